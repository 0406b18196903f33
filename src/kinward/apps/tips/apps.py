from django.apps import AppConfig


class TipsConfig(AppConfig):
    name = "kinward.apps.tips"
    label = "tips"
