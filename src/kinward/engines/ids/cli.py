"""`kinward ids ...`: new newborn IDs, checking a typed ID, signed ID blocks for offline facilities."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `kinward ids` with new, check, block and verify-block subcommands."""
    parser = subparsers.add_parser("ids", help="newborn identifiers: new, check, signed offline blocks")
    sub = parser.add_subparsers(dest="ids_command", metavar="ACTION", required=True)

    new = sub.add_parser("new", help="print new random IDs (grouped XXXX-XXXX-XXX)")
    new.add_argument("--count", type=int, default=1)
    new.add_argument("--compact", action="store_true", help="print without hyphens")
    new.set_defaults(func=_new)

    check = sub.add_parser("check", help="validate IDs; names the error and position; exit 0 if all valid")
    check.add_argument("ids", nargs="+", metavar="ID")
    check.set_defaults(func=_check)

    block = sub.add_parser("block", help="issue a signed block of IDs to a facility for offline use")
    block.add_argument("--facility", required=True, help="facility reference")
    block.add_argument("--count", type=int, required=True)
    block.add_argument("--key", required=True, type=Path, help="signer key file (PRIVATE+KEY+...)")
    block.add_argument("--out", required=True, type=Path)
    block.set_defaults(func=_block)

    verify = sub.add_parser("verify-block", help="verify a signed ID block (and that --id is in it)")
    verify.add_argument("block", type=Path)
    verify.add_argument("--key", required=True, help="verifier key string or file")
    verify.add_argument("--id", help="an ID that must be in the block")
    verify.set_defaults(func=_verify_block)


def _new(args: argparse.Namespace) -> int:
    from .codec import format_id, new_ids

    if args.count < 1:
        print("--count must be at least 1", file=sys.stderr)
        return 2
    for value in new_ids(args.count):
        print(value if args.compact else format_id(value))
    return 0


def _check(args: argparse.Namespace) -> int:
    from .codec import format_id, validate

    status = 0
    for text in args.ids:
        result = validate(text)
        notes = "".join(f"; read {c.typed!r} as {c.read_as!r} at {c.position}" for c in result.corrections)
        if result.valid:
            print(f"valid: {result.display}{notes}")
            continue
        status = 1
        hint = ""
        if result.suggestions and result.error and result.error.value == "check_mismatch":
            hint = (
                "; re-read the document (nearby valid: " + ", ".join(map(format_id, result.suggestions)) + ")"
            )
        print(
            f"invalid: {text!r}: {result.error.value if result.error else ''}: {result.message}{notes}{hint}"
        )
    return status


def _block(args: argparse.Namespace) -> int:
    from kinward.engines.ledger.note import NoteSigner

    from .blocks import issue_block

    block = issue_block(args.facility, args.count, NoteSigner.parse(args.key.read_text()))
    args.out.write_text(block.signed_note)
    print(f"block {block.block_id}: {len(block.ids)} IDs for {block.facility_ref}, written to {args.out}")
    return 0


def _verify_block(args: argparse.Namespace) -> int:
    from kinward.engines.ledger.note import NoteVerifier

    from .blocks import BlockError, prove_id_in_block, verify_block

    key = Path(args.key).read_text().strip() if Path(args.key).is_file() else args.key
    try:
        verifiers = [NoteVerifier.parse(key)]
        note = args.block.read_text(encoding="utf-8")
        block = prove_id_in_block(args.id, note, verifiers) if args.id else verify_block(note, verifiers)
    except (BlockError, ValueError, OSError) as exc:
        print(f"invalid: {exc}")
        return 1
    print(
        f"valid: block {block.block_id}, {len(block.ids)} IDs, facility {block.facility_ref}, {block.issued_at}"
    )
    return 0
