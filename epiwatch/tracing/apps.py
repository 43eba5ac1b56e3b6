from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "epiwatch.tracing"
    label = "tracing"
    verbose_name = "Contact tracing, clusters, quarantine and follow-up"

    def ready(self) -> None:
        # access rules, the person page's sections and the guard on merging people linked by an exposure
        from epiwatch.tracing import access_rules, merging, sections  # noqa: F401
