"""Registry API, public and without sign-in: the transparency log (checkpoints, leaves, inclusion and
consistency proofs) and birth-certificate verification with the published issuer keys. Mounted on the registry
router (`api.py` imports this module), so paths, schemas and operation ids are those these routes had in `api.py`."""

from __future__ import annotations

import base64
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema
from ninja.responses import Status

from kinward.apps.core.api_support import ErrorOut, StrictSchema
from kinward.apps.registry import selectors
from kinward.apps.registry.api import router
from kinward.engines.ledger import ProofRequestError, make_tlog_proof


def _operation_id(name: str) -> str:
    return f"kinward_apps_registry_api_{name}"


# --- the public transparency log (no sign-in) ----------------------------------------------------------------


class LeafOut(Schema):
    index: int
    data: str = Field(description="the leaf's exact bytes (canonical JSON, UTF-8)")
    leaf_hash: str = Field(description="RFC 9162 leaf hash, hex")


class InclusionOut(Schema):
    index: int
    tree_size: int
    leaf_hash: str
    hashes: list[str] = Field(description="RFC 9162 §2.1.3 inclusion proof, base64, leaf's sibling first")
    tlog_proof: str | None = Field(
        None, description="c2sp.org/tlog-proof@v1 text, when a checkpoint of this size is signed"
    )


class ConsistencyOut(Schema):
    first: int
    second: int
    hashes: list[str] = Field(description="RFC 9162 §2.1.4 consistency proof, base64")


def _b64(values: list[bytes]) -> list[str]:
    return [base64.b64encode(v).decode() for v in values]


@router.get(
    "/log/checkpoint",
    auth=None,
    operation_id=_operation_id("log_checkpoint"),
    response={200: str, 404: ErrorOut},
    summary="The latest signed checkpoint of the registry log (C2SP signed note, text/plain)",
)
def log_checkpoint(request: HttpRequest):
    note = selectors.latest_checkpoint()
    if note is None:
        return Status(
            404, {"code": "not_found", "message": "No checkpoint has been signed yet.", "errors": []}
        )
    return HttpResponse(note, content_type="text/plain; charset=utf-8")


@router.get(
    "/log/key", auth=None, operation_id=_operation_id("log_key"), response=str, summary="The verifier key of the log's checkpoints (text/plain)"
)
def log_key(request: HttpRequest):
    return HttpResponse(selectors.verifier_key() + "\n", content_type="text/plain; charset=utf-8")


@router.get(
    "/log/leaves/{index}",
    auth=None,
    operation_id=_operation_id("log_leaf"),
    response={200: LeafOut, 404: ErrorOut, 422: ErrorOut},
    summary="One leaf of the log: what the public may see of one registry event",
)
def log_leaf(request: HttpRequest, index: int):
    from kinward.apps.registry.ledger import registry_log

    log = registry_log()
    try:
        data = log.leaf_data(index)
    except ProofRequestError as exc:
        raise ValidationError({"index": str(exc)}) from None
    return LeafOut(index=index, data=data.decode("utf-8"), leaf_hash=log.leaf_hash(index).hex())


@router.get(
    "/log/proof/inclusion",
    auth=None,
    operation_id=_operation_id("log_inclusion"),
    response={200: InclusionOut, 422: ErrorOut},
    summary="Inclusion proof of a leaf in the tree of a given size (default: latest signed checkpoint)",
)
def log_inclusion(request: HttpRequest, index: int, tree_size: int | None = None):
    from kinward.apps.registry.ledger import registry_log
    from kinward.apps.registry.models import LedgerCheckpoint

    log = registry_log()
    note = None
    if tree_size is None:
        note = selectors.latest_checkpoint()
        tree_size = selectors.checkpoint_size(note) if note else log.size
    else:
        note = LedgerCheckpoint.objects.filter(tree_size=tree_size).values_list("note", flat=True).first()
    try:
        hashes = log.inclusion_proof(index, tree_size)
        leaf_hash = log.leaf_hash(index)
    except ProofRequestError as exc:
        raise ValidationError({"index": str(exc)}) from None
    tlog = make_tlog_proof(log, index, note).to_text() if note else None
    return InclusionOut(
        index=index, tree_size=tree_size, leaf_hash=leaf_hash.hex(), hashes=_b64(hashes), tlog_proof=tlog
    )


@router.get(
    "/log/proof/consistency",
    auth=None,
    operation_id=_operation_id("log_consistency"),
    response={200: ConsistencyOut, 422: ErrorOut},
    summary="Consistency proof that the tree of size `second` extends the tree of size `first`",
)
def log_consistency(request: HttpRequest, first: int, second: int):
    from kinward.apps.registry.ledger import registry_log

    try:
        hashes = registry_log().consistency_proof(first, second)
    except ProofRequestError as exc:
        raise ValidationError({"first": str(exc)}) from None
    return ConsistencyOut(first=first, second=second, hashes=_b64(hashes))


# --- birth certificates: public verification and the issuer key list (certificates.py) ----------------------


class VerifyIn(StrictSchema):
    """A certificate as its text (`KW1:...`) or as a base64 PNG/JPEG photo of its QR code (at most 2 MiB)."""

    text: str | None = Field(None, max_length=4096)
    image_base64: str | None = Field(None, max_length=2_796_204)


class VerifyOut(Schema):
    valid: bool
    reason: str = Field(description="empty when valid; else the engine's reason code or unreadable_image")
    facts: dict[str, Any] = Field(description="the minimal birth facts of a valid certificate")


@router.post(
    "/verify",
    auth=None,
    operation_id=_operation_id("certificate_verify"),
    response={200: VerifyOut, 422: ErrorOut},
    summary="Verify a birth certificate (public, anonymous; only a per-day count of outcomes is kept)",
)
def certificate_verify(request: HttpRequest, body: VerifyIn):
    from kinward.apps.registry import certificates

    if (body.text is None) == (body.image_base64 is None):
        raise ValidationError({"text": "give exactly one of text or image_base64"})
    if body.image_base64 is not None:
        try:
            image = base64.b64decode(body.image_base64, validate=True)
        except ValueError:
            raise ValidationError({"image_base64": "not valid base64"}) from None
        verdict = certificates.certificate_verify(image=image)
    else:
        verdict = certificates.certificate_verify(text=body.text)
    return VerifyOut(valid=verdict.valid, reason=verdict.reason, facts=verdict.facts)


@router.get(
    "/issuer-keys",
    auth=None,
    operation_id=_operation_id("issuer_keys"),
    response=list[dict[str, Any]],
    summary="The published public keys of the offices that sign birth certificates (JSON key list)",
)
def issuer_keys(request: HttpRequest):
    from kinward.apps.registry import certificates

    return certificates.published_keys()
