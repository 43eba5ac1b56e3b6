from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "epiwatch.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from epiwatch.people import access_rules  # noqa: F401 - registers the access rules
