from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "epiwatch.accounts"
    label = "accounts"
    verbose_name = "Organizations, access and audit"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # every app's spreadsheet imports and exports register themselves with epiwatch.lib.importing/exporting
        autodiscover_modules("importers", "exporters")
