from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "epiwatch.geo"
    label = "geo"
    verbose_name = "Areas and population"
