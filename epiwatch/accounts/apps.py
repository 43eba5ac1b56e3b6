from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "epiwatch.accounts"
    label = "accounts"
    verbose_name = "Organizations, access and audit"
