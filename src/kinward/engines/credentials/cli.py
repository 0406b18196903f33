"""`kinward verify` (offline certificate check) and `kinward credentials keygen|issue|revoke` (issuer tools).

Heavy imports happen inside the handlers so that `kinward --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

PUBLISHED_KEYS_NAME = "published-keys.json"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `verify` and `credentials` (keygen, issue, revoke) to the `kinward` command."""
    verify = subparsers.add_parser("verify", help="verify a birth-certificate QR (text or image) offline")
    verify.add_argument(
        "certificate", metavar="TEXT-OR-IMAGE", help="KW1: text, or a PNG/JPEG of the QR code"
    )
    verify.add_argument("--keys", required=True, type=Path, help="published key list (JSON)")
    verify.add_argument("--now", help="verifier's clock, RFC 3339 (default: system clock)")
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(func=verify_command)

    credentials = subparsers.add_parser("credentials", help="issuer tools for birth-certificate QR codes")
    actions = credentials.add_subparsers(dest="credentials_command", metavar="ACTION", required=True)

    keygen = actions.add_parser(
        "keygen", help="new Ed25519 signer key; publish it, retiring the office's old key"
    )
    keygen.add_argument("--issuer", required=True, help="issuing registry office name")
    keygen.add_argument(
        "--out-dir", required=True, type=Path, help="folder for the key file and the key list"
    )
    keygen.add_argument(
        "--keys", type=Path, help=f"key list to append to (default OUT_DIR/{PUBLISHED_KEYS_NAME})"
    )
    keygen.add_argument("--valid-from", help="start of the key's signing period, RFC 3339 (default: now)")
    keygen.set_defaults(func=keygen_command)

    issue = actions.add_parser("issue", help="sign birth claims into a KW1: text and QR code (developers)")
    issue.add_argument("--key", required=True, type=Path, help="signer key file (PEM PKCS#8)")
    issue.add_argument("--claims", required=True, help="claims JSON text, or a path to a JSON file")
    issue.add_argument("--qr-out", type=Path, help="write the QR code here (.png or .svg)")
    issue.set_defaults(func=issue_command)

    revoke = actions.add_parser("revoke", help="mark a key revoked in a published key list")
    revoke.add_argument("--keys", required=True, type=Path, help="published key list (JSON)")
    revoke.add_argument("--kid", required=True, help="key id, base64 as in the list (or 16 hex digits)")
    revoke.add_argument("--at", help="revocation time, RFC 3339 (default: now)")
    revoke.set_defaults(func=revoke_command)


def _now(text: str | None):
    from datetime import UTC, datetime

    from .claims import parse_rfc3339

    return parse_rfc3339(text) if text else datetime.now(UTC).replace(microsecond=0)


def _image_path(argument: str) -> Path | None:
    """The argument as an image path when it names an existing file, else None (it is certificate text)."""
    try:
        candidate = Path(argument)
        return candidate if candidate.is_file() else None
    except (OSError, ValueError):  # e.g. a certificate text longer than a file name may be
        return None


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def verify_command(args: argparse.Namespace) -> int:
    """Print VALID with the birth facts (exit 0) or INVALID: reason (exit 1); exit 2 on unusable input."""
    from .errors import KeyFileError, UnreadableImageError
    from .keys import load_keyring
    from .verify import verify

    try:
        now = _now(args.now)
        keyring = load_keyring(args.keys)
        image = _image_path(args.certificate)
        result = verify(image if image is not None else args.certificate, keyring, now=now)
    except (KeyFileError, UnreadableImageError, ValueError) as exc:
        return _fail(str(exc))
    if args.json:
        payload = {"valid": result.valid, "reason": result.reason, "detail": result.detail, **result.facts()}
        print(json.dumps(payload, indent=2))
    elif result.valid:
        print("VALID")
        for name, value in result.facts().items():
            print(f"  {name}: {value}")
    else:
        print(f"INVALID: {result.reason}")
        print(f"  {result.detail}")
    return 0 if result.valid else 1


def keygen_command(args: argparse.Namespace) -> int:
    """Write `signer-<kid hex>.pem` (0600) and add its public key to the list, retiring the issuer's old key."""
    from .errors import KeyFileError
    from .keys import (
        export_public_key_list,
        generate_signer_key,
        load_signer,
        published_key,
        read_public_key_list,
        rotate_issuer_key,
        write_signer_key,
    )

    if not args.issuer.strip():
        return _fail("--issuer must name the issuing office")
    keys_path = args.keys or args.out_dir / PUBLISHED_KEYS_NAME
    try:
        existing = read_public_key_list(keys_path)
        args.out_dir.mkdir(parents=True, exist_ok=True)
        private_key = generate_signer_key()
        from .cose import key_id

        key_path = args.out_dir / f"signer-{key_id(private_key.public_key()).hex()}.pem"
        write_signer_key(key_path, private_key)
        signer = load_signer(key_path)
        new_key = published_key(signer, issuer=args.issuer, valid_from=_now(args.valid_from))
        export_public_key_list(rotate_issuer_key(existing, new_key), keys_path)
    except (KeyFileError, OSError, ValueError) as exc:
        return _fail(str(exc))
    retired = sum(1 for key in existing if key.issuer == args.issuer and key.status == "active")
    print(f"signer key: {key_path} (mode 0600)")
    print(
        f"kid: {signer.kid.hex()}  published in: {keys_path}"
        + (f"  retired keys: {retired}" if retired else "")
    )
    return 0


def issue_command(args: argparse.Namespace) -> int:
    """Print the KW1: text for the claims and optionally write its QR code as PNG or SVG."""
    from .claims import BirthClaims
    from .errors import ClaimsError, KeyFileError
    from .keys import load_signer
    from .qr import qr_png, qr_svg, qr_version
    from .verify import issue_certificate

    try:
        source = Path(args.claims)
        text = (
            source.read_text(encoding="utf-8")
            if source.suffix == ".json" and source.is_file()
            else args.claims
        )
        claims = BirthClaims.from_json_dict(json.loads(text))
        certificate = issue_certificate(claims, load_signer(args.key))
        if args.qr_out:
            render = qr_svg if args.qr_out.suffix.lower() == ".svg" else qr_png
            args.qr_out.write_bytes(render(certificate))
    except json.JSONDecodeError as exc:
        return _fail(f"--claims is not JSON: {exc}")
    except (ClaimsError, KeyFileError, OSError) as exc:
        return _fail(str(exc))
    print(certificate)
    print(f"QR version {qr_version(certificate)}, {len(certificate)} characters", file=sys.stderr)
    return 0


def revoke_command(args: argparse.Namespace) -> int:
    """Set status `revoked` and `revoked_at` on one key of a published key list."""
    import base64
    import binascii

    from .errors import KeyFileError
    from .keys import export_public_key_list, read_public_key_list, revoke_key

    try:
        kid = bytes.fromhex(args.kid) if len(args.kid) == 16 else base64.b64decode(args.kid, validate=True)
        if not args.keys.exists():
            raise KeyFileError(f"{args.keys}: published key list not found")
        keys = revoke_key(read_public_key_list(args.keys), kid, _now(args.at))
        export_public_key_list(keys, args.keys)
    except (KeyFileError, ValueError, binascii.Error) as exc:
        return _fail(str(exc))
    print(f"revoked kid {kid.hex()} in {args.keys}")
    return 0
