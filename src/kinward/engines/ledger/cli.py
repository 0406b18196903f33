"""`kinward ledger ...`: keys, a standalone SQLite log, signed checkpoints and offline tlog-proof checks."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

# `kinward ledger audit` checks the registry's own log in Kinward's database. The engine knows no database: the
# web application sets this to its audit (rebuild the tree from the stored facts, check every signed checkpoint).
DATABASE_AUDIT: Callable[[argparse.Namespace], int] | None = None


def add_audit_rows_argument(parser: argparse.ArgumentParser) -> None:
    """`--rows`, shared by `kinward ledger audit` and `kinward registry ledger-audit`."""
    parser.add_argument(
        "--rows",
        choices=("all", "sample", "none"),
        default="all",
        help="also rebuild each registry fact's leaf from its database row and compare it byte for byte, for "
        "all rows (default), a random sample of one row in 20, or none (tree and checkpoints only: faster)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `kinward ledger` with keygen, append, checkpoint, prove and verify-proof subcommands."""
    parser = subparsers.add_parser("ledger", help="transparency log: keys, checkpoints, .tlog-proof files")
    sub = parser.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)

    keygen = sub.add_parser("keygen", help="create an Ed25519 signed-note key pair (signer 0600 + verifier)")
    keygen.add_argument(
        "--name", required=True, help="key name, e.g. the log origin 'registry.example.org/log'"
    )
    keygen.add_argument("--out-dir", required=True, type=Path, help="folder for NAME.key and NAME.pub")
    keygen.set_defaults(func=_keygen)

    append = sub.add_parser("append", help="append files as leaves to a SQLite log; prints their indexes")
    append.add_argument("db", type=Path, help="SQLite log file (created if absent)")
    append.add_argument("files", nargs="+", type=Path, help="files whose bytes become leaves")
    append.set_defaults(func=_append)

    checkpoint = sub.add_parser(
        "checkpoint", help="sign a checkpoint of a SQLite log (refuses if inconsistent)"
    )
    checkpoint.add_argument("db", type=Path)
    checkpoint.add_argument("--key", required=True, help="signer key file (PRIVATE+KEY+...)")
    checkpoint.add_argument("--origin", required=True, help="checkpoint origin line")
    checkpoint.set_defaults(func=_checkpoint)

    prove = sub.add_parser("prove", help="write the .tlog-proof of a leaf against the latest checkpoint")
    prove.add_argument("db", type=Path)
    prove.add_argument("--index", required=True, type=int)
    prove.add_argument("--out", required=True, type=Path)
    prove.set_defaults(func=_prove)

    verify = sub.add_parser(
        "verify-proof", help="check a .tlog-proof offline; prints valid/invalid, exit 0/1"
    )
    verify.add_argument("proof", type=Path, help=".tlog-proof file")
    verify.add_argument("--key", required=True, help="verifier key string or a file holding it")
    verify.add_argument("--origin", help="require this checkpoint origin")
    leaf = verify.add_mutually_exclusive_group(required=True)
    leaf.add_argument("--leaf-data", type=Path, help="file with the leaf's exact bytes")
    leaf.add_argument("--leaf-hash", help="the RFC 9162 leaf hash, 64 hex digits")
    verify.set_defaults(func=_verify_proof)

    audit = sub.add_parser(
        "audit",
        help="rebuild the registry's log from the database, check it against every signed checkpoint and "
        "each fact's leaf against its row",
    )
    add_audit_rows_argument(audit)
    audit.set_defaults(func=_database_audit)


def _database_audit(args: argparse.Namespace) -> int:
    if DATABASE_AUDIT is None:
        print("kinward ledger audit: no Kinward database is available here", file=sys.stderr)
        return 2
    return DATABASE_AUDIT(args)


def _key_file_stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "key"


def _keygen(args: argparse.Namespace) -> int:
    from .note import NoteSigner

    signer = NoteSigner.generate(args.name)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = _key_file_stem(args.name)
    secret_path, public_path = args.out_dir / f"{stem}.key", args.out_dir / f"{stem}.pub"
    if secret_path.exists() or public_path.exists():
        print(f"refusing to overwrite existing key files {secret_path} / {public_path}", file=sys.stderr)
        return 1
    fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(signer.to_string() + "\n")
    public_path.write_text(signer.verifier().to_string() + "\n")
    print(f"signer key:   {secret_path} (mode 0600, keep secret)")
    print(f"verifier key: {public_path}")
    print(signer.verifier().to_string())
    return 0


def _append(args: argparse.Namespace) -> int:
    from .sqlstore import SQLiteLedger

    log = SQLiteLedger(str(args.db))
    indexes = log.append_many(path.read_bytes() for path in args.files)
    for index, path in zip(indexes, args.files, strict=True):
        print(f"{index}\t{path}")
    print(f"tree size {log.size}, root {log.root().hex()}")
    log.close()
    return 0


def _checkpoint(args: argparse.Namespace) -> int:
    from .errors import CheckpointInconsistent
    from .note import NoteSigner
    from .sqlstore import SQLiteLedger

    signer = NoteSigner.parse(Path(args.key).read_text())
    log = SQLiteLedger(str(args.db))
    try:
        sys.stdout.write(log.sign_checkpoint(signer, args.origin))
    except CheckpointInconsistent as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    finally:
        log.close()
    return 0


def _prove(args: argparse.Namespace) -> int:
    from .sqlstore import SQLiteLedger
    from .tlogproof import make_tlog_proof

    log = SQLiteLedger(str(args.db))
    try:
        note = log.store.latest_checkpoint()
        if note is None:
            print("no signed checkpoint yet: run `kinward ledger checkpoint` first", file=sys.stderr)
            return 1
        proof = make_tlog_proof(log, args.index, note)
    finally:
        log.close()
    args.out.write_text(proof.to_text())
    print(f"wrote {args.out}")
    return 0


def _read_verifier_key(value: str) -> str:
    path = Path(value)
    return path.read_text().strip() if "+" not in value or path.is_file() else value


def _verify_proof(args: argparse.Namespace) -> int:
    from .errors import LedgerError
    from .hashing import leaf_hash
    from .note import NoteVerifier
    from .tlogproof import parse_tlog_proof, verify_tlog_proof

    try:
        verifier = NoteVerifier.parse(_read_verifier_key(args.key))
        if args.leaf_data is not None:
            target = leaf_hash(args.leaf_data.read_bytes())
        else:
            try:
                target = bytes.fromhex(args.leaf_hash)
            except ValueError:
                raise ValueError(f"--leaf-hash {args.leaf_hash!r} is not hexadecimal")
        proof = parse_tlog_proof(args.proof.read_text(encoding="utf-8"))
        checkpoint = verify_tlog_proof(proof, target, [verifier], args.origin)
    except (LedgerError, ValueError, OSError) as exc:
        print(f"invalid: {type(exc).__name__}: {exc}")
        return 1
    print(
        f"valid: leaf {proof.index} is in {checkpoint.origin} at tree size {checkpoint.tree_size} "
        f"(signed by {verifier.name})"
    )
    return 0
