from django.urls import path

from kinward.apps.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("precision/", views.precision, name="precision"),
    path("<int:alert_id>/", views.detail, name="detail"),
    path("<int:alert_id>/decide/", views.decide, name="decide"),
]
