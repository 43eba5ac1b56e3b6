from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "epiwatch.demo"
    label = "demo"
    verbose_name = "Demo data and synthetic generator"
