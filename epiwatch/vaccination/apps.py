from django.apps import AppConfig


class VaccinationConfig(AppConfig):
    name = "epiwatch.vaccination"
    label = "vaccination"
    verbose_name = "Vaccination"

    def ready(self) -> None:
        # registers the access rules, and the vaccination section of the person page
        from epiwatch.vaccination import access_rules, sections  # noqa: F401
