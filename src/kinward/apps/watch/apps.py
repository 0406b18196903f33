from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "kinward.apps.watch"
    label = "watch"
    verbose_name = "Watching online platforms"
