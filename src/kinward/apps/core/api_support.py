"""What every API router shares: authentication, the one error format, and pagination."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PageNumberPagination
from ninja.security import HttpBearer, SessionAuth
from pydantic import ConfigDict

from kinward.apps.accounts.authz import AccessDenied, Actor
from kinward.apps.accounts.services import actor_for_token, actor_for_user, api_token_authenticate
from kinward.apps.audit.models import AuditEntry
from kinward.apps.audit.services import audit_record


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def request_actor(request: HttpRequest) -> Actor:
    """The actor of an API request, set by whichever authentication succeeded."""
    return getattr(request, "actor", None) or Actor(client_address=client_address(request))


class PersonSession(SessionAuth):
    """A signed-in person's session (with CSRF protection on writes)."""

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user:
            request.actor = actor_for_user(user, client_address=client_address(request))
        return user


class SystemClientToken(HttpBearer):
    """`Authorization: Bearer kw_...` for system clients."""

    def authenticate(self, request: HttpRequest, token: str):
        found = api_token_authenticate(secret=token, client_address=client_address(request))
        if found is not None:
            request.actor = actor_for_token(found, client_address=client_address(request))
        return found


class StrictSchema(Schema):
    """A request body that refuses names it does not declare (422 naming each), instead of dropping them: a
    misspelt `weigth_g` from a hospital system must not become a birth recorded without its weight."""

    model_config = ConfigDict(extra="forbid")


UNKNOWN_FIELD = "not a field of this request: check its name against the schema (OpenAPI); nothing was written"


class ErrorField(Schema):
    field: str
    problem: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[ErrorField] = []


# The error answers every authenticated route can give, for `response={200: ..., **API_ERRORS}`.
API_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def error_body(code: str, message: str, errors: list[dict] | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or []}


def validation_problems(exc: DjangoValidationError) -> list[tuple[str, str]]:
    """A service's refusal as (field, problem) pairs, the field "" when it names none (one per field)."""
    if hasattr(exc, "error_dict"):
        return [(f, " ".join(m for e in es for m in e.messages)) for f, es in exc.error_dict.items()]
    return [("", m) for m in exc.messages]


def _field_name(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def install_error_handlers(api: NinjaAPI) -> None:
    """One error format everywhere: {"code", "message", "errors": [{"field", "problem"}]}."""

    @api.exception_handler(NinjaValidationError)
    def on_invalid(request, exc: NinjaValidationError):
        errors = [
            {
                "field": _field_name(e.get("loc", ())),
                "problem": UNKNOWN_FIELD if e.get("type") == "extra_forbidden" else e.get("msg", "invalid"),
            }
            for e in exc.errors
        ]
        return api.create_response(
            request, error_body("invalid_input", "The request has invalid fields.", errors), status=422
        )

    @api.exception_handler(DjangoValidationError)
    def on_django_invalid(request, exc: DjangoValidationError):
        errors = [{"field": f, "problem": p} for f, p in validation_problems(exc)]
        return api.create_response(
            request, error_body("invalid_input", "The request was refused.", errors), status=422
        )

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        if not request.META.get("HTTP_AUTHORIZATION"):
            audit_record(actor=Actor(client_address=client_address(request)), action="api.authenticate",
                         object_type="api", object_id=request.path[:100], outcome=AuditEntry.Outcome.DENIED)
        return api.create_response(
            request,
            error_body("not_authenticated", "Sign in, or send a valid bearer token."),
            status=401,
        )

    @api.exception_handler(AccessDenied)
    def on_denied(request, exc: AccessDenied):
        return api.create_response(
            request, error_body("forbidden", f"You may not do this ({exc.action})."), status=403
        )

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request, exc):
        return api.create_response(request, error_body("forbidden", "You may not do this."), status=403)

    @api.exception_handler(ObjectDoesNotExist)
    def on_missing(request, exc):
        return api.create_response(request, error_body("not_found", "No such record."), status=404)

    @api.exception_handler(Http404)
    def on_404(request, exc):
        return api.create_response(request, error_body("not_found", "No such record."), status=404)

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            # ninja wraps an unparseable body in a bare 400; the contract is 422 naming the field.
            errors = [{"field": "body", "problem": f"not valid JSON: {exc.__cause__}"}]
            return api.create_response(
                request, error_body("invalid_input", "The request body is not valid JSON.", errors), status=422
            )
        return api.create_response(request, error_body("error", str(exc)), status=exc.status_code)


class Pagination(PageNumberPagination):
    """Page-numbered lists: `?page=N`, answering `count` and `items`; page size from `KINWARD_API_PAGE_SIZE`."""
