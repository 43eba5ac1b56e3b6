from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from epiwatch.accounts import access
from epiwatch.geo.models import Area
from epiwatch.levels.models import Assessment
from epiwatch.lib.dates import DateError, parse_date


class LevelOut(serializers.Serializer):
    id = serializers.UUIDField(help_text="the assessment's public id")
    area_code = serializers.CharField()
    area_name = serializers.CharField()
    area_kind = serializers.CharField()
    parent_code = serializers.CharField(allow_null=True)
    week_ending = serializers.DateField()
    population = serializers.IntegerField()
    community_cases_7d = serializers.IntegerField()
    cases_7d = serializers.IntegerField()
    deaths_7d = serializers.IntegerField()
    adults_1dose_pct = serializers.FloatField(allow_null=True)
    elderly_full_pct = serializers.FloatField(allow_null=True)
    capacity_ok = serializers.BooleanField()
    days_since_last_case = serializers.IntegerField(allow_null=True)
    rate_per_100k = serializers.FloatField()
    band = serializers.CharField()
    coverage_met = serializers.BooleanField()
    matrix_level = serializers.IntegerField()
    capacity_adjustment = serializers.IntegerField()
    proposed_level = serializers.IntegerField()
    declared_level = serializers.IntegerField(allow_null=True)
    level = serializers.IntegerField(help_text="declared level once declared, the proposed one until then")
    declared_at = serializers.DateTimeField(allow_null=True)
    ruleset = serializers.CharField()
    unconfirmed = serializers.ListField(child=serializers.CharField())
    explanation_vi = serializers.CharField()
    explanation_en = serializers.CharField()


class LevelsView(APIView):
    """The epidemic levels of a week for every unit the token's user sees.

    `week_ending` (YYYY-MM-DD, required): the last day of the 7-day window. `area` (a GSO code, optional): only
    that unit and the units below it. Province users see proposals and declared levels; everyone else the
    declared levels of their area. Ordered by area path (the province, then each district and its communes).
    """

    serializer_class = LevelOut

    @extend_schema(
        parameters=[
            OpenApiParameter("week_ending", str, required=True, description="YYYY-MM-DD"),
            OpenApiParameter("area", str, required=False, description="GSO code of an area"),
            OpenApiParameter("dataset", str, required=False, description="area dataset, vn-2021 by default"),
        ],
        responses=LevelOut(many=True),
    )
    def get(self, request):
        raw = request.query_params.get("week_ending", "")
        if not raw:
            raise ValidationError({"week_ending": [_("a value is required (YYYY-MM-DD)")]})
        try:
            week_ending = parse_date(raw)
        except DateError as error:
            raise ValidationError({"week_ending": [str(error)]}) from None
        qs = Assessment.objects.for_week(week_ending)
        code = request.query_params.get("area")
        if code:
            dataset = request.query_params.get("dataset", "vn-2021")
            area = access.visible(Area, request.user).filter(dataset=dataset, code=code).first()
            if area is None:
                raise NotFound(f"No area {code} in {dataset}")
            qs = qs.in_area(area)
        rows = access.visible(qs, request.user).select_related("area", "area__parent").order_by("area__path")
        return Response([_row(a) for a in rows])


def _row(a: Assessment) -> dict:
    return {
        "id": str(a.public_id),
        "area_code": a.area.code,
        "area_name": a.area.name,
        "area_kind": a.area.kind,
        "parent_code": a.area.parent.code if a.area.parent else None,
        "week_ending": a.week_ending.isoformat(),
        "population": a.population,
        "community_cases_7d": a.community_cases_7d,
        "cases_7d": a.cases_7d,
        "deaths_7d": a.deaths_7d,
        "adults_1dose_pct": a.adults_1dose_pct,
        "elderly_full_pct": a.elderly_full_pct,
        "capacity_ok": a.capacity_ok,
        "days_since_last_case": a.days_since_last_case,
        "rate_per_100k": round(a.rate_per_100k, 2),
        "band": a.band,
        "coverage_met": a.coverage_met,
        "matrix_level": a.matrix_level,
        "capacity_adjustment": a.capacity_adjustment,
        "proposed_level": a.proposed_level,
        "declared_level": a.declared_level,
        "level": a.level,
        "declared_at": a.declared_at.isoformat() if a.declared_at else None,
        "ruleset": a.ruleset,
        "unconfirmed": list(a.unconfirmed or []),
        "explanation_vi": a.explanation_vi,
        "explanation_en": a.explanation_en,
    }
