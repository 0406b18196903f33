from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "kinward.apps.registry"
    label = "registry"
