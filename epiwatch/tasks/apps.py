from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "epiwatch.tasks"
    label = "tasks"
    verbose_name = "Work lists"
