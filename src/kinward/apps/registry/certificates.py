"""Birth certificates Kinward signs itself: issue (registrar), print, and the public verification.

The signing, encoding and checking are the credentials engine's (kinward.engines.credentials, docs/engines/
credentials.md): claims -> CWT -> COSE_Sign1 (Ed25519) -> zlib -> Base45 -> `KW1:` -> QR. This module picks the
claims out of a registered birth, keeps one signer key per issuing office (the engine requires a certificate's
`iss` to equal its key's issuer), publishes the key list, stores each issued certificate and counts
verifications per day and outcome (nothing about the verifier is kept).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kinward.apps.accounts.authz import Actor
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.services import audit_record, require
from kinward.apps.registry.ledger import local_time
from kinward.apps.registry.models import (
    Birth,
    Certificate,
    CertificateVerificationCount,
    LedgerHead,
    Registration,
)
from kinward.apps.registry.selectors import birth_find, checkpoint_size, latest_checkpoint
from kinward.apps.registry.services import checkpoint_sign
from kinward.engines.credentials import (
    BirthClaims,
    ClaimsError,
    KeyFileError,
    Keyring,
    Signer,
    UnreadableImageError,
    export_public_key_list,
    generate_signer_key,
    issue_certificate,
    load_keyring,
    load_signer,
    published_key,
    qr_svg,
    read_public_key_list,
    rotate_issuer_key,
    verify,
    write_signer_key,
)
from kinward.engines.credentials.keys import key_to_json
from kinward.engines.ledger import parse_checkpoint

ACTION_ISSUE = "registry.certificate.issue"
SEX_CODES = {"female": "F", "male": "M"}
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_TEXT_CHARS = 4096
IMAGE_TYPES = ("image/png", "image/jpeg")
# Outcomes counted besides the engine's reason codes.
UNREADABLE = "unreadable_image"
VALID = "valid"


class CertificateKeyMissing(RuntimeError):
    """In production the issuing office's signer key must be created by an operator, never on the fly."""


# --- keys --------------------------------------------------------------------------------------------------


def key_list_path() -> Path:
    """The published issuer key list (JSON, see the engine's docs), next to the signer key files."""
    base = Path(settings.CERTIFICATE_KEY_FILE)
    return base.with_name(f"{base.stem}-keys.json")


def signer_path(agency: Agency) -> Path:
    base = Path(settings.CERTIFICATE_KEY_FILE)
    # The engine binds a key to its issuer's name, so a renamed office gets a new key (the old one stays listed).
    name_tag = hashlib.sha256(agency.name.encode("utf-8")).hexdigest()[:8]
    return base.with_name(f"{base.stem}-{agency.pk}-{name_tag}{base.suffix or '.pem'}")


def _publish(signer: Signer, issuer: str) -> None:
    with transaction.atomic():  # the log head's row lock serialises writers of the key list across processes
        LedgerHead.objects.select_for_update().get_or_create(id=1)
        _publish_locked(signer, issuer)


def _publish_locked(signer: Signer, issuer: str) -> None:
    path = key_list_path()
    keys = read_public_key_list(path) if path.exists() else []
    if any(k.kid == signer.kid for k in keys):
        return
    valid_from = timezone.now().replace(microsecond=0) - dt.timedelta(seconds=1)
    export_public_key_list(
        rotate_issuer_key(keys, published_key(signer, issuer=issuer, valid_from=valid_from)), path
    )


def office_signer(agency: Agency) -> Signer:
    """The Ed25519 signer of an issuing office; created (0600) and published on first use unless production."""
    path = signer_path(agency)
    if not path.exists():
        if settings.PRODUCTION:
            raise CertificateKeyMissing(
                f"certificate signer key {path} does not exist: create it with `kinward credentials keygen "
                f"--issuer {agency.name!r} --out-dir {path.parent}`, rename it to {path.name} and publish it "
                f"in {key_list_path()}"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_signer_key(path, generate_signer_key())
        except KeyFileError:  # another process created it first: use theirs
            pass
    signer = load_signer(path)
    _publish(signer, agency.name)
    return signer


def published_keys() -> list[dict]:
    """The published key list as JSON-ready dicts (empty before the first certificate)."""
    path = key_list_path()
    return [key_to_json(k) for k in read_public_key_list(path)] if path.exists() else []


def keyring() -> Keyring:
    path = key_list_path()
    return load_keyring(path) if path.exists() else Keyring()


# --- issuing -----------------------------------------------------------------------------------------------


def _region_code(agency: Agency) -> str:
    code = re.sub(r"[^A-Z0-9-]", "-", agency.region.code.upper()).strip("-")[:16]
    return code or agency.country.upper()


def _anchor(birth: Birth) -> tuple[int, bytes]:
    """The latest signed checkpoint that includes the birth's leaf (signing one first if needed)."""
    note = latest_checkpoint()
    if note is None or checkpoint_size(note) <= birth.ledger_index:
        note = checkpoint_sign()
    checkpoint = parse_checkpoint(note[: note.rfind("\n\n") + 1])
    return checkpoint.tree_size, checkpoint.root_hash


def birth_claims(birth: Birth, *, office: Agency, issued_at: dt.datetime) -> BirthClaims:
    """The minimal facts of a registered birth, signed under the issuing office's name with the log anchor."""
    tree_size, root = _anchor(birth)
    return BirthClaims(
        newborn_id=birth.newborn_id,
        date_of_birth=local_time(birth.time, birth.utc_offset).date(),
        sex=SEX_CODES.get(birth.sex, "U"),
        facility_name=birth.facility.name[:120],
        region_code=_region_code(birth.facility),
        issuing_office=office.name,
        issued_at=issued_at,
        log_index=birth.ledger_index,
        tree_size=tree_size,
        root_hash=root,
    )


def certificate_issue(*, actor: Actor, newborn_id: str) -> Certificate:
    """Issue (or reissue: a new row each time) the signed birth certificate of a registered birth."""
    birth = birth_find(newborn_id)
    require(actor, ACTION_ISSUE, birth, object_type="birth", object_id=birth.pk)
    if not Registration.objects.filter(birth=birth, completed_at__isnull=False).exists():
        raise ValidationError(
            {"newborn_id": "this birth is not registered: a certificate needs a registration"}
        )
    office = Agency.objects.select_related("region").get(pk=actor.agency_id)
    signer = office_signer(office)
    issued_at = timezone.now().replace(microsecond=0)
    try:
        claims = birth_claims(birth, office=office, issued_at=issued_at)
    except ClaimsError as exc:
        raise ValidationError({"newborn_id": f"the birth's facts cannot be certified: {exc}"}) from None
    text = issue_certificate(claims, signer)
    with transaction.atomic():
        certificate = Certificate.objects.create(
            child=birth,
            issued_on=timezone.localdate(issued_at),
            issued_by=office,
            issued_by_user_id=actor.user_id,
            issued_at=issued_at,
            kid=signer.kid.hex(),
            text=text,
        )
        audit_record(actor=actor, action=ACTION_ISSUE, object_type="certificate", object_id=certificate.pk)
    return certificate


@dataclass(frozen=True)
class PrintableCertificate:
    certificate: Certificate
    facts: dict
    qr_svg: str
    issue_number: int


def certificate_for_print(*, actor: Actor, certificate_id: int) -> PrintableCertificate:
    """A certificate for its printed page (the issuing permission; the read is audited)."""
    certificate = Certificate.objects.select_related("child__facility", "issued_by").filter(pk=certificate_id)
    certificate = certificate.exclude(kid="").first()
    if certificate is None:
        from django.http import Http404

        raise Http404("no such certificate")
    birth = certificate.child
    require(actor, ACTION_ISSUE, birth, object_type="certificate", object_id=certificate.pk)
    audit_record(
        actor=actor, action="registry.certificate.print", object_type="certificate", object_id=certificate.pk
    )
    result = verify(certificate.text, keyring())
    number = Certificate.objects.filter(child=birth, pk__lte=certificate.pk).exclude(kid="").count()
    svg = qr_svg(certificate.text).decode("utf-8")
    svg = svg[svg.find("<svg") :]  # drop the XML declaration to inline it
    return PrintableCertificate(
        certificate=certificate, facts=result.facts(), qr_svg=svg, issue_number=number
    )


# --- public verification -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str
    facts: dict


def _count(outcome: str) -> None:
    day = timezone.localdate()
    with transaction.atomic():
        rows = CertificateVerificationCount.objects.filter(day=day, outcome=outcome)
        if rows.update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                CertificateVerificationCount.objects.create(day=day, outcome=outcome, count=1)
        except IntegrityError:  # created meanwhile by another request
            rows.update(count=F("count") + 1)


def image_problem(name: str, content_type: str, size: int) -> str | None:
    """Why an uploaded photo is refused before decoding (None when acceptable)."""
    if size > MAX_UPLOAD_BYTES:
        return "too_large"
    if content_type not in IMAGE_TYPES and not name.lower().endswith((".png", ".jpg", ".jpeg")):
        return "bad_type"
    return None


def certificate_verify(*, text: str | None = None, image: bytes | None = None) -> Verdict:
    """Verify a certificate text or a photo of its QR code against the published key list; counted, anonymous."""
    if image is not None:
        try:
            result = verify(image, keyring())
        except UnreadableImageError:
            _count(UNREADABLE)
            return Verdict(valid=False, reason=UNREADABLE, facts={})
    else:
        result = verify((text or "").strip()[:MAX_TEXT_CHARS], keyring())
    outcome = VALID if result.valid else str(result.reason)
    _count(outcome)
    return Verdict(valid=result.valid, reason="" if result.valid else outcome, facts=result.facts())


def verification_counts(day: dt.date | None = None) -> dict[str, int]:
    """Verifications per outcome on a day (default today)."""
    rows = CertificateVerificationCount.objects.filter(day=day or timezone.localdate())
    return {r.outcome: r.count for r in rows}
