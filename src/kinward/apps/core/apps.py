from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kinward.apps.core"
    label = "core"
