"""Verifying a dataset's certificates against its manifest's `issuer_keys` (INTERCHANGE.md, "A dataset").

`issuer_keys` lists the issuing offices' public keys in the form Kinward publishes its own: the entries of the
credentials engine's published key list (`kid`, `alg`, `public_key`, `issuer`, `valid_from`, `valid_to`,
`status`, `revoked_at`; docs/engines/credentials.md). A certificate is checked at the dataset's `created` (its
"now"), never at the wall clock, with one of three outcomes, the same as the `invalid_certificate` rule's
checker (`kinward.engines.rules.checks`):

- `valid`: the credentials engine verifies it, and it names the newborn ID the dataset gave its child (when the
  dataset gave one);
- `unverified`: its issuer's key is not listed (`unknown_key`: "a certificate whose issuer is not listed is
  unverified, not invalid"); or the manifest lists no keys and its transport layers and COSE_Sign1 shape are
  sound; or it is a placeholder (the rule's `placeholder_prefix`, `KW-DUMMY:`);
- `invalid`: any other failure (bad prefix, Base45, compression, COSE, signature, claims, revoked key, not yet
  valid, expired), or a valid certificate that names another newborn ID.

`dataset_certificate_outcomes(folder)` checks a whole dataset folder in one pass (an importer runs it in a
second process while it loads the records before certificates); `CertificateChecker.check` checks one text.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from kinward.engines.credentials import CredentialError, Keyring, parse_cose_sign1, verify
from kinward.engines.credentials.keys import key_from_json
from kinward.engines.credentials.transport import decode_transport
from kinward.engines.interchange.semantics import parse_time

VALID, INVALID, UNVERIFIED = "valid", "invalid", "unverified"
VERIFIED_REASON = "signature verified"
DEFAULT_PLACEHOLDER_PREFIX = "KW-DUMMY:"
_RULE_FILE = Path(__file__).resolve().parent.parent / "rules" / "definitions" / "invalid_certificate.yaml"


class IssuerKeysError(ValueError):
    """The manifest's `issuer_keys` is not a list of published-key entries (message names the entry and field)."""


def placeholder_prefix() -> str:
    """The `invalid_certificate` rule's `placeholder_prefix` default, read from the rule's definition file (not
    by importing the rules engine, which loads scipy); `KW-DUMMY:` when the file cannot be read."""
    try:
        import yaml

        definition = yaml.safe_load(_RULE_FILE.read_text(encoding="utf-8"))
        return str(definition["parameters"]["placeholder_prefix"]["default"])
    except (OSError, KeyError, TypeError, ValueError, ImportError):
        return DEFAULT_PLACEHOLDER_PREFIX


def read_issuer_keys(issuer_keys: Any) -> Keyring | None:
    """The keyring of a manifest's `issuer_keys` (None when absent or empty). Raises IssuerKeysError naming
    `issuer_keys[i]` and the problem (credentials `key_from_json`: kid matches the key, alg fits, dates...)."""
    if issuer_keys is None:
        return None
    if not isinstance(issuer_keys, list):
        raise IssuerKeysError("manifest.json field=issuer_keys: must be a list of published-key entries")
    keys = []
    for i, entry in enumerate(issuer_keys):
        try:
            keys.append(key_from_json(entry, f"manifest.json field=issuer_keys[{i}]"))
        except CredentialError as exc:
            raise IssuerKeysError(str(exc)) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise IssuerKeysError(f"manifest.json field=issuer_keys[{i}]: {exc}") from None
    return Keyring(keys) if keys else None


class CertificateChecker:
    """Checks certificate texts against a manifest's `issuer_keys` at the dataset's `created`."""

    def __init__(self, issuer_keys: Any, created: dt.datetime, *, placeholder: str | None = None) -> None:
        """Raises IssuerKeysError when an `issuer_keys` entry cannot be read."""
        self.keyring = read_issuer_keys(issuer_keys)
        self.now = created
        self.placeholder = placeholder_prefix() if placeholder is None else placeholder

    def check(self, text: str, child_newborn_id: str | None) -> tuple[str, str]:
        """(outcome, reason) for one certificate text; `child_newborn_id` is the newborn ID the dataset gave
        the certificate's child, or None when it gave none (then any ID the certificate carries is accepted)."""
        if self.placeholder and text.startswith(self.placeholder):
            return UNVERIFIED, f"placeholder text ({self.placeholder}), not a credential"
        if self.keyring is None:
            return self._structure(text)
        result = verify(text, self.keyring, now=self.now)
        if not result.valid:
            status = UNVERIFIED if result.reason == "unknown_key" else INVALID
            return status, f"{result.reason}: {result.detail}"[:300]
        carried = result.claims.newborn_id if result.claims else None
        if child_newborn_id is not None and carried != child_newborn_id:
            return INVALID, f"carries newborn ID {carried}, not the child's {child_newborn_id}"
        return VALID, VERIFIED_REASON

    @staticmethod
    def _structure(text: str) -> tuple[str, str]:
        """Without keys: the transport layers and the COSE_Sign1 shape only (sound -> unverified)."""
        try:
            parse_cose_sign1(decode_transport(text))
        except CredentialError as exc:
            return INVALID, f"{exc.reason}: {exc}"[:300]
        return UNVERIFIED, "structure sound; the dataset lists no issuer key to check the signature"


def _records(path: Path):
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and isinstance(record.get("ref"), str):
                    yield record


def dataset_certificate_outcomes(folder: str | Path, placeholder: str | None = None) -> dict[str, tuple]:
    """{certificate ref: (outcome, reason)} for every certificate of the dataset at `folder` that is not
    `valid` (a ref absent from the answer verified). The first record of a ref counts; records that are not
    well-formed certificates are left to the validator. Raises IssuerKeysError as CertificateChecker does."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    checker = CertificateChecker(
        manifest.get("issuer_keys"), parse_time(manifest["created"]), placeholder=placeholder
    )
    given = {
        r["ref"]: r["newborn_id"]
        for r in _records(folder / "births.jsonl")
        if isinstance(r.get("newborn_id"), str)
    }
    out: dict[str, tuple] = {}
    seen: set[str] = set()
    for record in _records(folder / "certificates.jsonl"):
        ref, text = record["ref"], record.get("text")
        if ref in seen or not isinstance(text, str):
            continue
        seen.add(ref)
        outcome = checker.check(text, given.get(record.get("child")))
        if outcome[0] != VALID:
            out[ref] = outcome
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m kinward.engines.interchange.certificates DIR [PLACEHOLDER]`: print
    `dataset_certificate_outcomes` as one JSON object (what an importer's helper process returns). Exit 2 with
    the reason on stderr when the dataset's keys cannot be read."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    try:
        outcomes = dataset_certificate_outcomes(args[0], args[1] if len(args) > 1 else None)
    except (IssuerKeysError, OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump(outcomes, sys.stdout, separators=(",", ":"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
