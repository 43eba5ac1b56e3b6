from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "epiwatch.labs"
    label = "labs"
    verbose_name = "Laboratory results"
