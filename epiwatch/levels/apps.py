from django.apps import AppConfig


class LevelsConfig(AppConfig):
    name = "epiwatch.levels"
    label = "levels"
    verbose_name = "Epidemic levels"

    def ready(self) -> None:
        from epiwatch.levels import access_rules  # noqa: F401 - registers the access rules
