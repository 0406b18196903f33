"""API: who am I, agencies, and system clients' tokens."""


from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kinward.apps.accounts import selectors, services
from kinward.apps.accounts.models import Agency
from kinward.apps.core.api_support import Pagination, StrictSchema, request_actor

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    agency_id: int | None
    roles: list[str]
    is_token: bool


class AgencyOut(Schema):
    id: int
    name: str
    kind: str
    country: str
    region: str


class TokenIn(StrictSchema):
    name: str
    agency_id: int
    actions: list[str]


class TokenOut(Schema):
    id: int
    name: str
    agency_id: int
    actions: list[str]
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIssuedOut(TokenOut):
    secret: str


@router.get("/me", response=MeOut, summary="The caller's identity, agency and roles")
def me(request: HttpRequest):
    actor = request_actor(request)
    return MeOut(username=actor.username, agency_id=actor.agency_id, roles=list(actor.roles),
                 is_token=actor.token_id is not None)


@router.get("/agencies", response=list[AgencyOut], summary="Agencies the caller may see")
@paginate(Pagination)
def agencies(request: HttpRequest):
    return [
        AgencyOut(id=a.pk, name=a.name, kind=a.kind, country=a.country, region=a.region.code)
        for a in selectors.agency_list(actor=request_actor(request))
    ]


@router.get("/tokens", response=list[TokenOut], summary="API tokens of system clients")
@paginate(Pagination)
def tokens(request: HttpRequest):
    return selectors.api_token_list(actor=request_actor(request))


@router.post("/tokens", response={201: TokenIssuedOut}, summary="Issue a token (the secret is shown once)")
def token_issue(request: HttpRequest, payload: TokenIn):
    actor = request_actor(request)
    agency = Agency.objects.get(pk=payload.agency_id)
    issued = services.api_token_issue(actor=actor, name=payload.name, agency=agency, actions=payload.actions)
    body = TokenOut.from_orm(issued.token).dict()
    return Status(201, TokenIssuedOut(**body, secret=issued.secret))


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="Revoke a token at once")
def token_revoke(request: HttpRequest, token_id: int):
    actor = request_actor(request)
    token = selectors.api_token_get(actor=actor, token_id=token_id)
    return services.api_token_revoke(actor=actor, token=token)
