from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "epiwatch.people"
    label = "people"
    verbose_name = "People"
