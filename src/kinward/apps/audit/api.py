"""API: the audit trail for auditors."""


from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from kinward.apps.audit import selectors
from kinward.apps.audit.services import require
from kinward.apps.core.api_support import Pagination, request_actor

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    seq: int
    at: datetime
    actor_user_id: int | None
    actor_token_id: int | None
    actor_username: str
    agency_id: int | None
    role: str
    action: str
    object_type: str
    object_id: str
    client_address: str
    outcome: str
    entry_hash: str


class AuditFilter(Schema):
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    username: str = ""
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None


class ChainOut(Schema):
    ok: bool
    checked: int
    first_broken_seq: int | None
    problem: str


@router.get("/entries", response=list[AuditEntryOut], summary="Search the audit trail (newest first)")
@paginate(Pagination)
def entries(request: HttpRequest, filters: Query[AuditFilter]):
    query = selectors.AuditQuery(**filters.dict())
    return selectors.audit_entry_search(actor=request_actor(request), query=query)


@router.get("/verify", response=ChainOut, summary="Check the audit trail's hash chain")
def verify(request: HttpRequest):
    require(request_actor(request), "audit.verify", object_type="audit_trail")
    report = selectors.audit_chain_verify()
    return ChainOut(ok=report.ok, checked=report.checked, first_broken_seq=report.first_broken_seq,
                    problem=report.problem)
