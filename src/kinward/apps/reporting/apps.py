from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "kinward.apps.reporting"
    label = "reporting"
