"""The Kinward API under /api/v1: every app's router, one error format, session or bearer-token auth."""

from __future__ import annotations

from ninja import NinjaAPI

from kinward import __version__
from kinward.apps.accounts.api import router as accounts_router
from kinward.apps.alerts.api import router as alerts_router
from kinward.apps.audit.api import router as audit_router
from kinward.apps.cases.api import router as cases_router
from kinward.apps.core.api_support import PersonSession, SystemClientToken, install_error_handlers
from kinward.apps.registry.api import router as registry_router
from kinward.apps.registry.corrections_api import router as registry_corrections_router
from kinward.apps.reporting.api import router as reporting_router
from kinward.apps.reunification.api import router as reunification_router
from kinward.apps.tips.api import router as tips_router
from kinward.apps.watch.api import router as watch_router

api = NinjaAPI(
    title="Kinward API",
    version="1",
    description=(
        f"Kinward {__version__}. People authenticate with their session (and CSRF token); system clients with "
        "`Authorization: Bearer <token>`. Every POST honours an `Idempotency-Key` header: the same key and body "
        "get the first answer again and create nothing new; the same key with another body gets 409. Errors "
        'always have the form `{"code", "message", "errors": [{"field", "problem"}]}`.'
    ),
    # The token first: a session auth that fails its CSRF check would otherwise refuse bearer-token POSTs.
    auth=[SystemClientToken(), PersonSession()],
    urls_namespace="api",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/accounts", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/registry", registry_router)
api.add_router("/registry", registry_corrections_router)
api.add_router("/alerts", alerts_router)
api.add_router("/cases", cases_router)
api.add_router("/tips", tips_router)
api.add_router("/reunification", reunification_router)
api.add_router("/watch", watch_router)
api.add_router("/reporting", reporting_router)
