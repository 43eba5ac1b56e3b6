"""POST /api/v1/doses: a batch of vaccine doses, answered with a status per item (the shape of /api/v1/results).

The items go through the same steps as the spreadsheet import of doses (`epiwatch.vaccination.importers`, on the
shared import framework): the same checks, the same person matching, the same idempotency (an item already
recorded is a duplicate), the same audit. One bad item does not cost the others.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from epiwatch.accounts import access, audit
from epiwatch.accounts.models import Organization
from epiwatch.api import schema  # noqa: F401 - registers the Bearer scheme with the OpenAPI generator
from epiwatch.lib import importing
from epiwatch.lib.tabular import Row, cell_text
from epiwatch.vaccination.importers import DoseImporter

MAX_ITEMS = 10_000
# the import framework keeps the first 1,000 errors of a run: a run per 1,000 items keeps every item's errors
ITEMS_PER_RUN = importing.MAX_ERRORS_KEPT
ACCEPTED, REVIEW, DUPLICATE, REJECTED = "accepted", "review", "duplicate", "rejected"


class DoseIn(serializers.Serializer):
    """One dose: the columns of the spreadsheet template (text; numbers are accepted too)."""

    external_id = serializers.CharField(
        required=False, help_text="Your id of the dose: sending it again is harmless"
    )
    national_id = serializers.CharField(required=False, help_text="12-digit CCCD or 9-digit CMND")
    full_name = serializers.CharField()
    date_of_birth = serializers.CharField(
        required=False, help_text="YYYY-MM-DD, dd/mm/yyyy, or the year alone"
    )
    sex = serializers.CharField(required=False, help_text="M, F, nam, nữ")
    phone = serializers.CharField(required=False)
    commune_code = serializers.CharField(
        required=False, help_text="GSO code of the commune (or village) of residence"
    )
    address = serializers.CharField(required=False)
    dose_number = serializers.IntegerField(min_value=1)
    product = serializers.CharField(
        help_text="AstraZeneca, AZ, Pfizer, Moderna, Vero Cell, Sinopharm, Janssen..."
    )
    given_on = serializers.CharField(help_text="the day given: YYYY-MM-DD or dd/mm/yyyy")
    site_code = serializers.CharField(required=False, help_text="Organization code of the vaccination site")
    lot = serializers.CharField(required=False)


class DosesIn(serializers.Serializer):
    organization = serializers.CharField(
        required=False,
        help_text="Code of the organization the doses come from (needed with several memberships)",
    )
    doses = DoseIn(many=True, help_text=f"Up to {MAX_ITEMS:,} doses")


class DoseItemError(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="the column, or null for the item as a whole")
    message = serializers.CharField()


class DoseItemOut(serializers.Serializer):
    number = serializers.IntegerField(help_text="the item's position in `doses`, from 1")
    external_id = serializers.CharField()
    status = serializers.ChoiceField(
        [ACCEPTED, REVIEW, DUPLICATE, REJECTED],
        help_text="review: stored, and flagged for a person to check (the errors say why)",
    )
    dose_id = serializers.UUIDField(allow_null=True, help_text="the stored (or already stored) dose")
    person_id = serializers.UUIDField(allow_null=True)
    errors = DoseItemError(many=True)


class DosesOut(serializers.Serializer):
    accepted = serializers.IntegerField()
    review = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    items = DoseItemOut(many=True)


class DosesError(serializers.Serializer):
    error = serializers.CharField()
    details = serializers.ListField(child=serializers.JSONField())


def _organization(request, code: str | None) -> Organization:
    """The organization acting: the one the user enters data for, or the one named by `code`."""
    scope = access.scope_for(request.user)
    writing = Organization.objects.select_related("area").filter(pk__in=scope.write_org_ids, is_active=True)
    if code:
        organization = writing.filter(code=code).first()
        if organization is None:
            raise PermissionDenied(f"You may not record doses for {code!r}.")
        return organization
    choices = list(writing[:2])
    if not choices:
        raise PermissionDenied("Your role may not record doses.")
    if len(choices) > 1:
        raise ValidationError(
            {"organization": "You enter data for several organizations: say which one (its code)."}
        )
    return choices[0]


def _too_large(message: str) -> Response:
    return Response({"error": message, "details": []}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


def _row(number: int, item) -> Row:
    names = DoseImporter.columns.names
    if not isinstance(item, dict):
        return Row(number=number, values=dict.fromkeys(names, ""), cells=("(not an object)",))
    return Row(number=number, values={n: cell_text(item.get(n)).strip() for n in names}, cells=())


class DoseBatchView(APIView):
    """Vaccine doses: `POST` a batch of up to 10,000.

    Authentication: `Authorization: Bearer <token>`. Errors come as `{"error": "...", "details": [...]}`.
    """

    @extend_schema(
        request=DosesIn,
        responses={200: DosesOut, 400: DosesError, 401: DosesError, 403: DosesError, 413: DosesError},
    )
    def post(self, request):
        """Record doses: `{"organization": "bl-tyt-31813", "doses": [{...}, ...]}` (or the list alone).

        The fields are the columns of the spreadsheet template (`external_id, national_id, full_name,
        date_of_birth, sex, phone, commune_code, address, dose_number, product, given_on, site_code, lot`). Each
        item is answered on its own, in order, with its `number` (from 1):

        - `accepted`: stored; `dose_id` is its public id;
        - `review`: stored and flagged for a person to check (an interval shorter than the schedule allows, a
          missing earlier dose); `errors` say why;
        - `duplicate`: already recorded (same external id, or the same person, dose number, vaccine and day);
          nothing added; `dose_id` is the recorded one. Posting the same batch twice is harmless;
        - `rejected`: not stored; `errors` name each field and what is wrong (a date before birth or before the
          vaccine's approval, a dose number taken or out of order, an unknown vaccine...).

        More than 10,000 doses: 413, nothing stored. A school, enterprise or public unit records doses only for
        the people on its roster.
        """
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if limit and length > limit:
            return _too_large(
                f"The request body is {length / 1024 / 1024:.1f} MB: send fewer doses per request."
            )
        body = request.data
        if isinstance(body, list):
            body = {"doses": body}
        if not isinstance(body, dict) or not isinstance(body.get("doses"), list):
            raise ValidationError({"doses": "Expected an object with a list of doses, or the list itself."})
        items = body["doses"]
        if not items:
            raise ValidationError({"doses": "Give at least one dose."})
        if len(items) > MAX_ITEMS:
            return _too_large(
                f"At most {MAX_ITEMS:,} doses per request; {len(items):,} were sent. Split the batch."
            )
        code = body.get("organization")
        organization = _organization(request, str(code) if code not in (None, "") else None)
        context = importing.Context(
            organization=organization, scope=access.scope_for(request.user), user=request.user
        )
        answers = []
        with audit.acting(user=request.user, organization=organization, via="api"):
            for start in range(0, len(items), ITEMS_PER_RUN):
                rows = [
                    _row(n, item)
                    for n, item in enumerate(items[start : start + ITEMS_PER_RUN], start=start + 1)
                ]
                result, outcomes = self._run(rows, context)
                errors: dict[int, list] = {}
                for error in result.errors:
                    errors.setdefault(error.row, []).append({"field": error.column, "message": error.message})
                answers.extend(
                    self._answer(row, errors.get(row.number), outcomes.get(row.number)) for row in rows
                )
        counts = {
            s: sum(1 for a in answers if a["status"] == s) for s in (ACCEPTED, REVIEW, DUPLICATE, REJECTED)
        }
        return Response(
            {
                "accepted": counts[ACCEPTED],
                "review": counts[REVIEW],
                "duplicates": counts[DUPLICATE],
                "rejected": counts[REJECTED],
                "items": answers,
            }
        )

    @staticmethod
    def _run(rows: list[Row], context: importing.Context):
        """The import framework's own run of an importer, over rows that came as JSON instead of a file: each
        row validated, repeats inside the request set aside, stored a batch at a time."""
        importer = DoseImporter()
        importer.check_context(context)
        job = importing._Run(importer, context, None, None)
        importer.prepare(context)
        for row in rows:
            if row.cells == ("(not an object)",):
                job.result.rows += 1
                job.reject(row, importing.RowError(None, "not an object"))
                continue
            job.take(row)
        job.flush()
        return job.result, importer.outcomes

    @staticmethod
    def _answer(row: Row, errors: list | None, outcome) -> dict:
        answer = {
            "number": row.number,
            "external_id": row.values.get("external_id", ""),
            "status": REJECTED,
            "dose_id": None,
            "person_id": None,
            "errors": errors or [],
        }
        if errors:
            return answer
        if outcome is None:  # the same dose as an earlier item of this request
            answer["status"] = DUPLICATE
            return answer
        state, dose = outcome
        answer.update(dose_id=str(dose.public_id), person_id=str(dose.person.public_id))
        if state == "duplicate":
            answer["status"] = DUPLICATE
        elif dose.needs_review:
            answer.update(status=REVIEW, errors=[{"field": None, "message": dose.review_note}])
        else:
            answer["status"] = ACCEPTED
        return answer
