from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "kinward.apps.jobs"
    label = "jobs"
