from django.urls import include, path
from django.views.i18n import set_language

from kinward.config.api import api

urlpatterns = [
    path("", include("kinward.apps.core.urls")),
    path("audit/", include("kinward.apps.audit.urls")),
    path("accounts/", include("kinward.apps.accounts.urls")),
    path("jobs/", include("kinward.apps.jobs.urls")),
    path("registry/", include("kinward.apps.registry.urls")),
    path("alerts/", include("kinward.apps.alerts.urls")),
    path("cases/", include("kinward.apps.cases.urls")),
    path("tips/", include("kinward.apps.tips.urls")),
    path("reunification/", include("kinward.apps.reunification.urls")),
    path("watch/", include("kinward.apps.watch.urls")),
    path("reporting/", include("kinward.apps.reporting.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
]
