"""POST /api/v1/arrivals: returnees from other provinces, a batch at a time, each item answered on its own."""

from __future__ import annotations

from django.db import DatabaseError, transaction
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from epiwatch.accounts.access import scope_for
from epiwatch.api import schema  # noqa: F401 - registers the Bearer scheme with the OpenAPI generator
from epiwatch.lib.importing import Context, ImportRefused, RowError, Stored, Valid
from epiwatch.lib.tabular import Row
from epiwatch.tracing.importers import ArrivalImporter

MAX_ITEMS = 1000


class ArrivalIn(serializers.Serializer):
    national_id = serializers.CharField(required=False, allow_blank=True)
    full_name = serializers.CharField()
    date_of_birth = serializers.CharField(
        required=False, allow_blank=True, help_text="dd/mm/yyyy, yyyy-mm-dd or a year"
    )
    sex = serializers.CharField(required=False, allow_blank=True, help_text="M, F, nam, nữ")
    phone = serializers.CharField(required=False, allow_blank=True)
    commune_code = serializers.CharField(help_text="GSO code of the commune where the person stays")
    address = serializers.CharField(required=False, allow_blank=True)
    origin_province = serializers.CharField(
        help_text="GSO code (2021) or name of the province they come from"
    )
    origin_level = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=4)
    arrival_date = serializers.CharField()
    doses = serializers.IntegerField(required=False, min_value=0, max_value=9)
    fully_vaccinated_on = serializers.CharField(required=False, allow_blank=True)
    recovered_on = serializers.CharField(required=False, allow_blank=True)
    place = serializers.CharField(required=False, allow_blank=True, help_text="home or centralized")
    facility_code = serializers.CharField(required=False, allow_blank=True)
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=64)


class ArrivalsIn(serializers.Serializer):
    organization = serializers.CharField(
        required=False, help_text="code of the organization submitting (default: your first)"
    )
    arrivals = ArrivalIn(many=True)


class ItemError(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ItemOut(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["accepted", "duplicate", "rejected"])
    arrival_id = serializers.UUIDField(allow_null=True)
    quarantine_id = serializers.UUIDField(allow_null=True)
    errors = ItemError(many=True)


class ArrivalsOut(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    items = ItemOut(many=True)


def _text(value) -> str:
    return "" if value is None else str(value)


class ArrivalsView(APIView):
    """Record returnees: `{"arrivals": [{...}, ...]}` (up to 1,000), the same fields as the `arrivals` import.

    Each person is matched in the registry (national ID, then phone + name + birth, then name + birth + commune) or
    registered; the arrival is recorded and the returnee's monitoring planned from the rule set in force. Each item
    comes back `accepted`, `duplicate` (the same person and arrival date, or the same external id, already
    recorded) or `rejected` with the field and the message; one bad item never stops the others.
    """

    serializer_class = ArrivalsIn

    def post(self, request):
        scope = scope_for(request.user)
        body = ArrivalsIn(data=request.data)
        body.is_valid(raise_exception=True)
        items = body.validated_data["arrivals"]
        if not items:
            raise ValidationError({"arrivals": "Give at least one arrival."})
        if len(items) > MAX_ITEMS:
            raise ValidationError(
                {"arrivals": f"At most {MAX_ITEMS} arrivals per request, {len(items)} were sent."}
            )
        organization = self._organization(scope, body.validated_data.get("organization"))
        importer = ArrivalImporter()
        context = Context(organization=organization, scope=scope.writing(), user=request.user)
        try:
            importer.check_context(context)
        except ImportRefused as exc:
            raise PermissionDenied(str(exc)) from None
        importer.prepare(context)

        answers: list[dict] = []
        valid: list[Valid] = []
        seen: dict = {}
        for index, item in enumerate(items):
            row = Row(
                number=index,
                values={name: _text(item.get(name)) for name in importer.columns.names},
                cells=(),
            )
            answer = {
                "index": index,
                "status": "rejected",
                "arrival_id": None,
                "quarantine_id": None,
                "errors": [],
            }
            answers.append(answer)
            try:
                data = importer.validate_row(row, context)
            except RowError as error:
                answer["errors"].append({"field": error.column, "message": error.message})
                continue
            key = importer.key(data)
            if key in seen:
                answer["status"] = "duplicate"
                answer["errors"].append({"field": None, "message": f"the same arrival as item {seen[key]}"})
                continue
            seen[key] = index
            valid.append(Valid(row, data))
        self._store(importer, valid, context, answers)
        counts = {
            name: sum(1 for a in answers if a["status"] == name)
            for name in ("accepted", "duplicate", "rejected")
        }
        return Response(
            {
                "accepted": counts["accepted"],
                "duplicates": counts["duplicate"],
                "rejected": counts["rejected"],
                "items": answers,
            },
            status=status.HTTP_200_OK,
        )

    @staticmethod
    def _organization(scope, code: str | None):
        writing = [m.organization for m in scope.memberships if m.can_write]
        if code:
            writing = [o for o in writing if o.code == code]
        if not writing:
            raise PermissionDenied(
                "You do not write for this organization" if code else "Your role may not record arrivals"
            )
        return writing[0]

    @staticmethod
    def _store(importer, valid: list[Valid], context, answers: list[dict]) -> None:
        def outcome(batch) -> Stored:
            with transaction.atomic():
                return importer.store(batch, context)

        try:
            stored = [(valid, outcome(valid))]
        except (DatabaseError, RowError):
            stored = []
            for item in valid:
                try:
                    stored.append(([item], outcome([item])))
                except (DatabaseError, RowError) as exc:
                    answers[item.row.number]["errors"].append(
                        {"field": None, "message": str(exc).splitlines()[0][:200]}
                    )
        for batch, result in stored:
            failed = {e.row: e for e in result.errors}
            for item in batch:
                answer = answers[item.row.number]
                if item.row.number in failed:
                    error = failed[item.row.number]
                    answer["errors"].append({"field": error.column, "message": error.message})
                    continue
                registered = getattr(item, "registered", None)
                if registered is None:
                    continue
                answer["status"] = "accepted" if registered.created else "duplicate"
                answer["arrival_id"] = str(registered.arrival.public_id)
                if registered.quarantine is not None:
                    answer["quarantine_id"] = str(registered.quarantine.public_id)
                elif not registered.created:
                    plan = registered.arrival.quarantines.order_by("pk").first()
                    answer["quarantine_id"] = str(plan.public_id) if plan else None
