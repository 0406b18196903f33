from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "kinward.apps.cases"
    label = "cases"
