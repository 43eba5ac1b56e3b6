from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "epiwatch.labs"
    label = "labs"
    verbose_name = "Laboratory results"

    def ready(self) -> None:
        from epiwatch.labs import access_rules  # noqa: F401 - registers the access rules
