from django.apps import AppConfig


class MergeAppConfig(AppConfig):
    name = "epiwatch.people.tests.mergeapp"
    label = "mergeapp"
    verbose_name = "Merge test models"
    default_auto_field = "django.db.models.BigAutoField"
