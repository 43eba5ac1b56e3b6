from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "epiwatch.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from epiwatch.cases import access_rules  # noqa: F401 - registers the access rules
