from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "epiwatch.cases"
    label = "cases"
    verbose_name = "Cases"
