from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "epiwatch.care"
    label = "care"
    verbose_name = "Treatment capacity"

    def ready(self) -> None:
        # registers the access rules and the care section of the person page
        from epiwatch.care import access_rules, sections  # noqa: F401
