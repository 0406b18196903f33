from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "kinward.apps.alerts"
    label = "alerts"
