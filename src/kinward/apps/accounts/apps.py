from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kinward.apps.accounts"
    label = "accounts"
    verbose_name = "Accounts, agencies and roles"
