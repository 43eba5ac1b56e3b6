from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from epiwatch.accounts import access
from epiwatch.care import capacity
from epiwatch.care.models import TIERS, Facility
from epiwatch.geo.models import Area
from epiwatch.lib.dates import DateError, parse_date

PARAMETERS = [
    OpenApiParameter("area", str, required=False, description="GSO code of an area: only its subtree"),
    OpenApiParameter("dataset", str, required=False, description="area dataset, vn-2021 by default"),
    OpenApiParameter(
        "date", str, required=False, description="YYYY-MM-DD; today by default (patients in a bed now)"
    ),
]


class TierOut(serializers.Serializer):
    tier = serializers.IntegerField()
    beds = serializers.IntegerField()
    occupied = serializers.IntegerField()
    free = serializers.IntegerField()
    occupancy_pct = serializers.FloatField(allow_null=True)


class FacilityOccupancyOut(serializers.Serializer):
    id = serializers.UUIDField(help_text="the facility's public id")
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    area_code = serializers.CharField()
    designated = serializers.BooleanField()
    capacity_from = serializers.DateField(
        allow_null=True, help_text="the day the capacity in force was recorded from"
    )
    tiers = TierOut(many=True)
    icu_beds = serializers.IntegerField()
    icu_occupied = serializers.IntegerField()
    ventilators = serializers.IntegerField()
    ventilators_in_use = serializers.IntegerField()
    oxygen_points = serializers.IntegerField()
    doctors = serializers.IntegerField()
    icu_doctors = serializers.IntegerField()
    nurses = serializers.IntegerField()
    alerts = serializers.ListField(child=serializers.CharField(), help_text="alert kinds")


class SummaryOut(serializers.Serializer):
    date = serializers.DateField()
    area_code = serializers.CharField(allow_null=True)
    facilities = serializers.IntegerField()
    tiers = TierOut(many=True)
    icu_beds = serializers.IntegerField()
    icu_free = serializers.IntegerField()
    ventilators = serializers.IntegerField()
    ventilators_free = serializers.IntegerField()
    alerts = serializers.IntegerField()


def _query(request):
    raw = request.query_params.get("date", "")
    try:
        day = parse_date(raw) if raw else timezone.localdate()
    except DateError as error:
        raise ValidationError({"date": [str(error)]}) from None
    facilities = access.visible(Facility.objects.active(), request.user)
    area = None
    code = request.query_params.get("area")
    if code:
        dataset = request.query_params.get("dataset", "vn-2021")
        area = access.visible(Area, request.user).filter(dataset=dataset, code=code).first()
        if area is None:
            raise NotFound(_("No area %(code)s in %(dataset)s") % {"code": code, "dataset": dataset})
        facilities = facilities.in_area(area)
    facilities = facilities.select_related("area").order_by("area__path", "code")
    threshold = capacity.alert_threshold(area)
    return day, area, capacity.statuses(facilities, day, threshold=threshold)


def _tier(t: capacity.TierStatus) -> dict:
    pct = t.percent
    return {
        "tier": t.tier,
        "beds": t.beds,
        "occupied": t.occupied,
        "free": t.free,
        "occupancy_pct": None if pct is None else round(pct, 1),
    }


class OccupancyView(APIView):
    """Capacity and occupancy of every active facility the token's user sees, one item per facility with its
    tiers. `area` keeps the facilities of that area's subtree; `date` gives the capacity in force and the
    patients in a bed at the end of that day (default: now). Hospital staff see their facilities; district and
    province users their subtree's."""

    serializer_class = FacilityOccupancyOut

    @extend_schema(parameters=PARAMETERS, responses=FacilityOccupancyOut(many=True))
    def get(self, request):
        _day, _area, rows = _query(request)
        return Response([_facility(s) for s in rows])


def _facility(s: capacity.FacilityStatus) -> dict:
    f, fig, used = s.facility, s.figures, s.used
    return {
        "id": str(f.public_id),
        "code": f.code,
        "name": f.name,
        "kind": f.kind,
        "area_code": f.area.code,
        "designated": f.designated,
        "capacity_from": fig.effective_from.isoformat() if fig.effective_from else None,
        "tiers": [_tier(t) for t in s.tiers],
        "icu_beds": fig["icu_beds"],
        "icu_occupied": used.icu,
        "ventilators": fig["ventilators"],
        "ventilators_in_use": used.ventilators,
        "oxygen_points": fig["oxygen_points"],
        "doctors": fig["doctors"],
        "icu_doctors": fig["icu_doctors"],
        "nurses": fig["nurses"],
        "alerts": [a.kind for a in s.alerts],
    }


class OccupancySummaryView(APIView):
    """Free beds per tier at a glance: the totals of the facilities `/care/occupancy` lists, with the same
    parameters."""

    serializer_class = SummaryOut

    @extend_schema(parameters=PARAMETERS, responses=SummaryOut)
    def get(self, request):
        day, area, rows = _query(request)
        total = capacity.totals(rows)
        return Response(
            {
                "date": day.isoformat(),
                "area_code": area.code if area else None,
                "facilities": total.facilities,
                "tiers": [_tier(total.tier(t)) for t in TIERS],
                "icu_beds": total.figures["icu_beds"],
                "icu_free": total.icu_free,
                "ventilators": total.figures["ventilators"],
                "ventilators_free": total.ventilators_free,
                "alerts": total.alerts,
            }
        )


# mounted at /api/v1/care/ by one line in epiwatch/api/urls.py
urlpatterns = [
    path("occupancy", OccupancyView.as_view(), name="api-care-occupancy"),
    path("occupancy/summary", OccupancySummaryView.as_view(), name="api-care-occupancy-summary"),
]
