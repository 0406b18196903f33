"""`kinward verify` and `kinward credentials keygen|issue|revoke`, run in-process on real files."""

from __future__ import annotations

import argparse
import json
import stat
from datetime import UTC, datetime

import pytest

from kinward.engines.credentials import cli as credentials_cli
from kinward.engines.credentials import load_keyring, read_qr_text

OFFICE = "Synthetic District Registry"
KEY_SINCE = "2026-01-01T00:00:00Z"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kinward")
    credentials_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return args.func(args)


def claims_json(issued_at: str = "2026-05-01T08:00:00Z", office: str = OFFICE) -> str:
    return json.dumps(
        {
            "newborn_id": "KW-TEST-0001-7",
            "date_of_birth": "2026-04-30",
            "sex": "M",
            "facility_name": "Synthetic Maternity Clinic",
            "region_code": "XX-01",
            "issuing_office": office,
            "issued_at": issued_at,
            "log_index": 7,
            "tree_size": 8,
            "root_hash": "ab" * 32,
        }
    )


@pytest.fixture
def office_dir(tmp_path):
    out_dir = str(tmp_path / "keys")
    assert (
        run("credentials", "keygen", "--issuer", OFFICE, "--out-dir", out_dir, "--valid-from", KEY_SINCE) == 0
    )
    return tmp_path / "keys"


def test_keygen_writes_a_private_key_0600_and_publishes_its_public_key(office_dir):
    (key_file,) = office_dir.glob("signer-*.pem")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    (key,) = load_keyring(office_dir / "published-keys.json")
    assert key.issuer == OFFICE and key.status == "active" and key_file.name == f"signer-{key.kid.hex()}.pem"


def test_a_second_keygen_rotates_the_offices_key(office_dir):
    assert run("credentials", "keygen", "--issuer", OFFICE, "--out-dir", str(office_dir)) == 0
    statuses = [key.status for key in load_keyring(office_dir / "published-keys.json")]
    assert statuses == ["retired", "active"]
    assert len(list(office_dir.glob("signer-*.pem"))) == 2


def test_issue_then_verify_the_qr_image_prints_valid_and_the_facts(office_dir, tmp_path, capsys):
    (key_file,) = office_dir.glob("signer-*.pem")
    claims_file = tmp_path / "claims.json"
    claims_file.write_text(claims_json())
    qr_file = tmp_path / "qr.png"
    assert (
        run(
            "credentials",
            "issue",
            "--key",
            str(key_file),
            "--claims",
            str(claims_file),
            "--qr-out",
            str(qr_file),
        )
        == 0
    )
    text = capsys.readouterr().out.strip()
    assert text.startswith("KW1:") and read_qr_text(qr_file) == text
    keys = str(office_dir / "published-keys.json")
    assert run("verify", str(qr_file), "--keys", keys, "--now", "2026-06-01T00:00:00Z") == 0
    out = capsys.readouterr().out
    assert (
        out.startswith("VALID") and "newborn_id: KW-TEST-0001-7" in out and f"issuing_office: {OFFICE}" in out
    )
    assert run("verify", text, "--keys", keys, "--now", "2026-04-01T00:00:00Z") == 1
    assert capsys.readouterr().out.startswith("INVALID: not_yet_valid")


def test_verify_text_with_json_output_and_a_tampered_text(office_dir, tmp_path, capsys):
    (key_file,) = office_dir.glob("signer-*.pem")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert run("credentials", "issue", "--key", str(key_file), "--claims", claims_json(issued_at=now)) == 0
    text = capsys.readouterr().out.strip()
    keys = str(office_dir / "published-keys.json")
    assert run("verify", text, "--keys", keys, "--json") == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True
    assert run("verify", "HC1:" + text[4:], "--keys", keys) == 1
    assert capsys.readouterr().out.startswith("INVALID: bad_prefix")


def test_revoke_marks_the_key_and_verify_then_reports_revoked_key(office_dir, tmp_path, capsys):
    (key_file,) = office_dir.glob("signer-*.pem")
    keys = office_dir / "published-keys.json"
    (key,) = load_keyring(keys)
    assert run("credentials", "issue", "--key", str(key_file), "--claims", claims_json()) == 0
    text = capsys.readouterr().out.strip()
    assert run("verify", text, "--keys", str(keys), "--now", "2026-06-01T00:00:00Z") == 0
    revoke = (
        "credentials",
        "revoke",
        "--keys",
        str(keys),
        "--kid",
        key.kid.hex(),
        "--at",
        "2026-04-01T00:00:00Z",
    )
    assert run(*revoke) == 0
    assert load_keyring(keys).find(key.kid).status == "revoked"
    capsys.readouterr()
    assert run("verify", text, "--keys", str(keys), "--now", "2026-06-01T00:00:00Z") == 1
    assert capsys.readouterr().out.startswith("INVALID: revoked_key")


def test_bad_inputs_exit_2_with_a_message(office_dir, tmp_path, capsys):
    (key_file,) = office_dir.glob("signer-*.pem")
    assert run("verify", "KW1:X", "--keys", str(tmp_path / "missing.json")) == 2
    assert "not found" in capsys.readouterr().err
    assert run("credentials", "issue", "--key", str(key_file), "--claims", "{not json") == 2
    assert "not JSON" in capsys.readouterr().err
    assert run("credentials", "issue", "--key", str(key_file), "--claims", json.dumps({"sex": "F"})) == 2
    assert "missing fields" in capsys.readouterr().err
    picture = tmp_path / "blank.png"
    picture.write_bytes(b"\x89PNG not really")
    assert run("verify", str(picture), "--keys", str(office_dir / "published-keys.json")) == 2
