"""C2SP signed notes (golden example), keys, checkpoints and the refusal to sign an inconsistent tree."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from kinward.engines.ledger import (
    Checkpoint,
    CheckpointFormatError,
    CheckpointInconsistent,
    KeyFormatError,
    MemoryStore,
    MerkleLog,
    NoteFormatError,
    NoteSigner,
    NoteVerifier,
    SignatureError,
    SQLStore,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    sign_note,
)

EXAMPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "data" / "signed-note" / "example.json").read_text()
)
ORIGIN = "registry.example.org/births"


def test_the_c2sp_example_note_verifies_and_its_tampered_copy_fails() -> None:
    verifier = NoteVerifier.parse(EXAMPLE["vkey"])
    assert verifier.name == EXAMPLE["keyName"]
    assert verifier.key_id.hex() == EXAMPLE["keyID"]
    assert open_note(EXAMPLE["signedNote"], [verifier]).text == EXAMPLE["text"]
    with pytest.raises(SignatureError, match="does not verify"):
        open_note(EXAMPLE["tampered"], [verifier])
    assert verifier.to_string() == EXAMPLE["vkey"]


def test_key_strings_round_trip_and_a_wrong_key_id_is_refused() -> None:
    signer = NoteSigner.generate(ORIGIN)
    again = NoteSigner.parse(signer.to_string())
    assert again.public_key == signer.public_key and again.key_id == signer.key_id
    assert signer.to_string().startswith(f"PRIVATE+KEY+{ORIGIN}+{signer.key_id.hex()}+")
    vkey = signer.verifier().to_string()
    assert NoteVerifier.parse(vkey) == signer.verifier()
    name, _, material = vkey.split("+", 2)
    with pytest.raises(KeyFormatError, match="does not match"):
        NoteVerifier.parse(f"{name}+00000000+{material}")
    with pytest.raises(KeyFormatError, match="without spaces"):
        NoteSigner.generate("bad name")


def test_unknown_signers_are_listed_but_a_known_signature_is_required() -> None:
    log_key, witness = NoteSigner.generate(ORIGIN), NoteSigner.generate("witness.example")
    note = sign_note("hello\n", [log_key, witness])
    opened = open_note(note, [log_key.verifier()])
    assert opened.verified_by == (ORIGIN,) and opened.unverified_signers == ("witness.example",)
    with pytest.raises(SignatureError, match="no signature by a known key"):
        open_note(note, [NoteSigner.generate("other").verifier()])


def test_malformed_notes_are_rejected_with_the_reason() -> None:
    signer = NoteSigner.generate(ORIGIN)
    with pytest.raises(NoteFormatError, match="end with a newline"):
        sign_note("no newline", [signer])
    with pytest.raises(NoteFormatError, match="control character"):
        sign_note("tab\there\n", [signer])
    with pytest.raises(NoteFormatError, match="no blank line"):
        open_note("text\n", [signer.verifier()])
    with pytest.raises(NoteFormatError, match="does not start with"):
        open_note("text\n\n- name abc\n", [signer.verifier()])


def test_checkpoint_text_round_trips_and_bad_bodies_are_named() -> None:
    checkpoint = Checkpoint(ORIGIN, 12, bytes(range(32)), ("extension line",))
    assert parse_checkpoint(checkpoint.to_text()) == checkpoint
    assert checkpoint.to_text().split("\n")[:2] == [ORIGIN, "12"]
    with pytest.raises(CheckpointFormatError, match="leading zeros"):
        parse_checkpoint(f"{ORIGIN}\n012\nAAAA\n")
    with pytest.raises(CheckpointFormatError, match="bytes, expected 32"):
        parse_checkpoint(f"{ORIGIN}\n12\nAAAA\n")


def test_the_log_signs_checkpoints_that_extend_the_last_one() -> None:
    signer = NoteSigner.generate(ORIGIN)
    log = MerkleLog()
    first = log.sign_checkpoint(signer, ORIGIN)  # the empty tree
    log.append_many([b"a", b"b", b"c"])
    second = log.sign_checkpoint(signer, ORIGIN)
    log.append(b"d")
    third = log.sign_checkpoint(signer, ORIGIN, ["ext"])
    sizes = [open_checkpoint(n, [signer.verifier()], ORIGIN).tree_size for n in (first, second, third)]
    assert sizes == [0, 3, 4]
    assert log.store.latest_checkpoint() == third
    with pytest.raises(CheckpointFormatError, match="not the expected"):
        open_checkpoint(third, [signer.verifier()], "other.example/log")


def test_it_refuses_to_sign_a_tree_that_rewrites_signed_history(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "tampered.sqlite")
    store = SQLStore(connection.cursor())
    store.ensure_schema()
    signer = NoteSigner.generate(ORIGIN)
    log = MerkleLog(store)
    log.append_many([f"event {i}".encode() for i in range(6)])
    log.sign_checkpoint(signer, ORIGIN)
    # Someone rewrites the stored hash of the subtree over leaves 0..3 (post-order id 6).
    connection.execute("UPDATE ledger_node SET hash = ? WHERE id = 6", (b"\x00" * 32,))
    log.append(b"event 6")
    with pytest.raises(CheckpointInconsistent, match="not consistent with the last signed checkpoint"):
        log.sign_checkpoint(signer, ORIGIN)


def test_it_refuses_another_origin_or_a_shrunken_log() -> None:
    signer = NoteSigner.generate(ORIGIN)
    store = MemoryStore()
    log = MerkleLog(store)
    log.append_many([b"a", b"b", b"c"])
    log.sign_checkpoint(signer, ORIGIN)
    with pytest.raises(CheckpointInconsistent, match="differs from last signed origin"):
        log.sign_checkpoint(signer, "other.example/log")
    smaller = MemoryStore()
    smaller.checkpoints = list(store.checkpoints)
    small_log = MerkleLog(smaller)
    small_log.append(b"a")
    with pytest.raises(CheckpointInconsistent, match="the log shrank"):
        small_log.sign_checkpoint(signer, ORIGIN)
