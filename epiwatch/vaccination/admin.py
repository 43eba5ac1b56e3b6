"""Django admin for operators (staff only): products and targets are data a province may correct here (or in the
data files and `epiwatch load_products`); an aggregate count reported wrongly is corrected here. Health staff use
the vaccination pages, which go through the access module."""

from django.contrib import admin

from epiwatch.vaccination.models import CoverageCount, CoverageTarget, Deferral, Dose, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "primary_doses",
        "min_interval_days",
        "approved_on",
        "booster_min_interval_days",
    ]
    search_fields = ["code", "name"]


@admin.register(CoverageTarget)
class CoverageTargetAdmin(admin.ModelAdmin):
    list_display = ["indicator", "area_code", "dataset", "target_pct", "due", "unconfirmed"]
    list_filter = ["indicator", "dataset"]


@admin.register(Dose)
class DoseAdmin(admin.ModelAdmin):
    list_display = ["public_id", "dose_number", "product", "given_on", "submitter", "needs_review"]
    list_filter = ["product", "needs_review"]
    search_fields = ["public_id", "external_id", "person__national_id"]
    raw_id_fields = ["person", "site", "submitter", "area"]
    list_select_related = ["product", "submitter"]


@admin.register(Deferral)
class DeferralAdmin(admin.ModelAdmin):
    list_display = ["public_id", "reason", "permanent", "until", "recorded_on", "recorded_by"]
    list_filter = ["reason", "permanent"]
    raw_id_fields = ["person", "recorded_by"]


@admin.register(CoverageCount)
class CoverageCountAdmin(admin.ModelAdmin):
    list_display = ["area", "on", "age_band", "level", "count", "submitter"]
    list_filter = ["age_band", "level"]
    search_fields = ["area__code", "area__name"]
    raw_id_fields = ["area", "submitter"]
    list_select_related = ["area", "submitter"]
