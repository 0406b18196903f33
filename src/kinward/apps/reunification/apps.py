from django.apps import AppConfig


class ReunificationConfig(AppConfig):
    name = "kinward.apps.reunification"
    label = "reunification"
