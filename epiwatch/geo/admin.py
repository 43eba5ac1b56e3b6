"""Django admin for operators (staff only); province staff use the area pages, which go through the access module."""

from django.contrib import admin

from epiwatch.geo.models import Area, AreaMapping, Population


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "village_kind", "dataset", "path", "valid_to"]
    list_filter = ["dataset", "kind"]
    search_fields = ["code", "name", "path"]
    raw_id_fields = ["parent"]  # a select of 11,000 areas would not load


@admin.register(Population)
class PopulationAdmin(admin.ModelAdmin):
    list_display = ["area", "year", "total", *Population.BANDS, "source"]
    list_filter = ["year"]
    search_fields = ["area__code", "area__name"]
    raw_id_fields = ["area"]
    list_select_related = ["area"]


@admin.register(AreaMapping)
class AreaMappingAdmin(admin.ModelAdmin):
    list_display = ["from_area", "to_area"]
    search_fields = ["from_area__code", "from_area__name", "to_area__code", "to_area__name"]
    raw_id_fields = ["from_area", "to_area"]
    list_select_related = ["from_area", "to_area"]
