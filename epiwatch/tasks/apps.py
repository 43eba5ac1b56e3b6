from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "epiwatch.tasks"
    label = "tasks"
    verbose_name = "Work lists"

    def ready(self) -> None:
        from epiwatch.tasks import access_rules  # noqa: F401 - registers the access rule
