from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kinward.apps.audit"
    label = "audit"
