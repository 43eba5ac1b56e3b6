"""/api/v1/results: submit a batch of test results, and read them back incrementally.

Both go through the labs app: a POST runs the one pipeline every result goes through (the same checks, person
matching, idempotency and case rules as a spreadsheet upload); a GET reads what the access module lets the
token's user see.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from epiwatch.accounts import access, audit
from epiwatch.accounts.models import Organization
from epiwatch.api import schema  # noqa: F401 - registers the Bearer scheme with the OpenAPI generator
from epiwatch.labs import lists
from epiwatch.labs.models import ImportBatch, TestResult
from epiwatch.labs.pipeline import Context, Status, submit
from epiwatch.lib import dates

MAX_ITEMS = 10_000
PAGE_DEFAULT, PAGE_MAX = 500, 1000


# --- what goes in --------------------------------------------------------------------------------------------


class ResultIn(serializers.Serializer):
    """One result: the columns of the spreadsheet template, as text (numbers are accepted too)."""

    external_id = serializers.CharField(
        required=False, help_text="Your sample id. Sending the same one again is harmless (a duplicate)."
    )
    national_id = serializers.CharField(required=False, help_text="12-digit CCCD or 9-digit CMND")
    full_name = serializers.CharField()
    date_of_birth = serializers.CharField(
        required=False, help_text="YYYY-MM-DD, dd/mm/yyyy or the year alone (needed without a national ID)"
    )
    sex = serializers.CharField(required=False, help_text="M, F, nam, nữ")
    phone = serializers.CharField(required=False)
    commune_code = serializers.CharField(
        required=False, help_text="GSO code of the commune (or village) of residence"
    )
    address = serializers.CharField(required=False)
    test_type = serializers.CharField(
        help_text="rt_pcr, pooled_rt_pcr, antigen, antigen_self (or PCR, test nhanh...)"
    )
    sampled_at = serializers.CharField(
        help_text="ISO 8601 (2021-11-02T07:30:00+07:00) or dd/mm/yyyy hh:mm; without a zone, Vietnam time"
    )
    resulted_at = serializers.CharField(required=False)
    result = serializers.CharField(
        help_text="positive, negative, invalid, pending (or dương tính, âm tính, DT, AT)"
    )
    ct_value = serializers.CharField(required=False, help_text="0 to 45, RT-PCR only")
    pool_id = serializers.CharField(required=False, help_text="the pool's sample code (pooled RT-PCR)")
    reason = serializers.CharField(
        required=False, help_text="screening, shift_screening, contact, symptoms, travel, hospital"
    )


class ResultsIn(serializers.Serializer):
    organization = serializers.CharField(
        required=False,
        help_text="Code of the organization submitting; needed when the token's user enters data for several",
    )
    results = ResultIn(many=True, help_text=f"Up to {MAX_ITEMS:,} results")


class ResultItemError(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="the column, or null for the item as a whole")
    message = serializers.CharField()


class ResultItemOut(serializers.Serializer):
    number = serializers.IntegerField(help_text="the item's position in `results`, from 1")
    external_id = serializers.CharField()
    status = serializers.ChoiceField(
        [Status.ACCEPTED, Status.DUPLICATE, Status.REJECTED, Status.REVIEW],
        help_text="review: stored, and flagged for a person to check (see the errors for why)",
    )
    result_id = serializers.UUIDField(allow_null=True, help_text="the stored (or already stored) result")
    person_id = serializers.UUIDField(allow_null=True)
    errors = ResultItemError(many=True)


class ResultsOut(serializers.Serializer):
    batch_id = serializers.UUIDField()
    accepted = serializers.IntegerField()
    review = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    items = ResultItemOut(many=True)


# --- what comes out ------------------------------------------------------------------------------------------


class ResultOut(serializers.Serializer):
    id = serializers.UUIDField(help_text="the result's public id")
    person_id = serializers.UUIDField()
    external_id = serializers.CharField()
    national_id = serializers.CharField(allow_null=True)
    full_name = serializers.CharField()
    date_of_birth = serializers.CharField(allow_null=True, help_text="YYYY-MM-DD, or the year alone")
    sex = serializers.CharField()
    phone = serializers.CharField()
    commune_code = serializers.CharField(allow_null=True)
    address = serializers.CharField()
    test_type = serializers.CharField()
    sampled_at = serializers.DateTimeField()
    resulted_at = serializers.DateTimeField(allow_null=True)
    result = serializers.CharField()
    ct_value = serializers.FloatField(allow_null=True)
    pool_id = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    submitter = serializers.CharField(help_text="code of the submitting organization")
    area_code = serializers.CharField(allow_null=True, help_text="the residence the result is counted in")
    needs_review = serializers.BooleanField()
    review_note = serializers.CharField()
    amendment_reason = serializers.CharField(help_text="why the result was last amended, if it was")
    created_at = serializers.DateTimeField()
    modified_at = serializers.DateTimeField()


class ResultPage(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="the next page, null on the last one")
    cursor = serializers.CharField(allow_null=True, help_text="the `cursor` of the next page")
    results = ResultOut(many=True)


class ResultsError(serializers.Serializer):
    error = serializers.CharField()
    details = serializers.ListField(child=serializers.JSONField())


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dates.LOCAL_TZ).isoformat() if moment else None


def _out(r: TestResult) -> dict:
    person = r.person
    born = (
        person.date_of_birth.isoformat()
        if person.date_of_birth
        else (str(person.birth_year) if person.birth_year else None)
    )
    return {
        "id": str(r.public_id),
        "person_id": str(person.public_id),
        "external_id": r.external_id,
        "national_id": person.national_id,
        "full_name": person.full_name,
        "date_of_birth": born,
        "sex": person.sex,
        "phone": person.phone,
        "commune_code": person.residence.code if person.residence else None,
        "address": person.address,
        "test_type": r.test_type,
        "sampled_at": _iso(r.sampled_at),
        "resulted_at": _iso(r.resulted_at),
        "result": r.result,
        "ct_value": float(r.ct_value) if r.ct_value is not None else None,
        "pool_id": r.pool.code if r.pool else None,
        "reason": r.reason,
        "submitter": r.submitter.code,
        "area_code": r.area.code if r.area else None,
        "needs_review": r.needs_review,
        "review_note": r.review_note,
        "amendment_reason": r.amendment_reason,
        "created_at": _iso(r.created_at),
        "modified_at": r.modified_at.isoformat(),
    }


def _organization(request, code: str | None) -> Organization:
    """The organization acting: the one the user enters data for, or the one named by `code` (403 when the user
    is not a member of it, or only reads there)."""
    scope = access.scope_for(request.user)
    if code:
        organization = (
            Organization.objects.select_related("area").filter(code=code, pk__in=scope.org_ids).first()
        )
        if organization is None:
            raise PermissionDenied(f"You are not a member of an organization {code!r}.")
        if not scope.can_write_for(organization):
            raise PermissionDenied(f"Your role at {code!r} may not submit results.")
        return organization
    writing = list(
        Organization.objects.select_related("area").filter(pk__in=scope.write_org_ids, is_active=True)[:2]
    )
    if not writing:
        raise PermissionDenied("Your role may not submit results.")
    if len(writing) > 1:
        raise ValidationError(
            {"organization": "You enter data for several organizations: say which one (its code)."}
        )
    return writing[0]


class ResultsView(APIView):
    """Test results: `POST` a batch of up to 10,000 results; `GET` them back for incremental sync.

    Authentication: `Authorization: Bearer <token>` (tokens are issued by `epiwatch create_token USER`).
    Errors come as `{"error": "...", "details": [...]}`.
    """

    @extend_schema(
        request=ResultsIn,
        responses={
            200: ResultsOut,
            400: ResultsError,
            401: ResultsError,
            403: ResultsError,
            413: ResultsError,
        },
    )
    def post(self, request):
        """Submit results: `{"organization": "bl-lab", "results": [{...}, ...]}` (or the list alone).

        The fields are the columns of the spreadsheet template (`external_id, national_id, full_name,
        date_of_birth, sex, phone, commune_code, address, test_type, sampled_at, resulted_at, result, ct_value,
        pool_id, reason`) and take the same values, Vietnamese words included. Each item is answered on its own,
        in order, with its `number` (from 1):

        - `accepted`: stored; `result_id` is its public id. A positive opens or confirms a case by the rule in
          force on the sample date;
        - `review`: stored and flagged for a person to check (e.g. the national ID belongs to someone with
          another birth date: the registry is not changed); `errors` say why;
        - `duplicate`: already stored (same sample id, or same person, test, sample time and result); nothing
          added; `result_id` is the stored one. Posting the same batch twice is harmless;
        - `rejected`: not stored; `errors` name each field and what is wrong. The other items are unaffected.

        More than 10,000 results: 413, nothing stored. The organization acting is the one the token's user enters
        data for, or the one named by `organization` (403 if the user is not a writing member of it). A school,
        enterprise or public unit submits only for the people on its roster.
        """
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if limit and length > limit:
            return _too_large(
                f"The request body is {length / 1024 / 1024:.1f} MB; at most {limit / 1024 / 1024:.0f} MB: "
                "send fewer results per request."
            )
        body = request.data
        if isinstance(body, list):
            body = {"results": body}
        if not isinstance(body, dict):
            raise ValidationError(
                {"results": "Expected an object with a list of results, or the list itself."}
            )
        items = body.get("results")
        if not isinstance(items, list):
            raise ValidationError({"results": "Expected a list of results."})
        if not items:
            raise ValidationError({"results": "Give at least one result."})
        if len(items) > MAX_ITEMS:
            return _too_large(
                f"At most {MAX_ITEMS:,} results per request; {len(items):,} were sent. Split the batch."
            )
        code = body.get("organization")
        organization = _organization(request, str(code) if code not in (None, "") else None)

        now = timezone.now()
        batch = ImportBatch.objects.create(
            organization=organization,
            uploaded_by=request.user,
            source="api",
            file_name=f"API {timezone.localtime(now):%d/%m/%Y %H:%M}",
            status=ImportBatch.Status.COMMITTING,
            rows_total=len(items),
            started_at=now,
        )
        answers = [self._not_an_object(n, item) for n, item in enumerate(items, start=1)]
        objects = [(n, item) for n, item in enumerate(items, start=1) if isinstance(item, dict)]
        context = Context(organization=organization, user=request.user, batch=batch)
        try:
            with audit.acting(user=request.user, organization=organization, via="api"):
                outcomes = submit([item for _n, item in objects], context)
        except Exception:
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.FAILED, error_message="internal error", finished_at=timezone.now()
            )
            raise
        for (number, item), outcome in zip(objects, outcomes, strict=True):
            answers[number - 1] = {
                "number": number,
                "external_id": str(item.get("external_id") or ""),
                "status": outcome.status,
                "result_id": str(outcome.result_id) if outcome.result_id else None,
                "person_id": (
                    str(outcome.person_id)
                    if outcome.person_id and outcome.status != Status.REJECTED
                    else None
                ),
                "errors": [{"field": e.column, "message": e.message} for e in outcome.errors]
                + (
                    [{"field": None, "message": outcome.record.review_note}]
                    if outcome.status == Status.REVIEW and outcome.record is not None and not outcome.errors
                    else []
                ),
            }
        counts = {
            s: sum(1 for a in answers if a["status"] == s)
            for s in (Status.ACCEPTED, Status.REVIEW, Status.DUPLICATE, Status.REJECTED)
        }
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.DONE,
            rows_done=len(items),
            accepted=counts[Status.ACCEPTED] + counts[Status.REVIEW],
            duplicates=counts[Status.DUPLICATE],
            rejected=counts[Status.REJECTED],
            finished_at=timezone.now(),
        )
        return Response(
            {
                "batch_id": str(batch.public_id),
                "accepted": counts[Status.ACCEPTED],
                "review": counts[Status.REVIEW],
                "duplicates": counts[Status.DUPLICATE],
                "rejected": counts[Status.REJECTED],
                "items": answers,
            },
            status=status.HTTP_200_OK,
        )

    @staticmethod
    def _not_an_object(number: int, item) -> dict | None:
        if isinstance(item, dict):
            return None
        return {
            "number": number,
            "external_id": "",
            "status": Status.REJECTED,
            "result_id": None,
            "person_id": None,
            "errors": [
                {"field": None, "message": f"item {number} is not an object (got {type(item).__name__})"}
            ],
        }

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "modified_after",
                str,
                required=False,
                description="ISO 8601 date and time: only results created or changed after it",
            ),
            OpenApiParameter("cursor", str, required=False, description="the `cursor` of the previous page"),
            OpenApiParameter(
                "limit",
                int,
                required=False,
                description=f"results per page, 1 to {PAGE_MAX} ({PAGE_DEFAULT} by default)",
            ),
        ],
        responses={200: ResultPage, 400: ResultsError, 401: ResultsError},
    )
    def get(self, request):
        """The results the token's user may see, oldest change first: ordered by (modified_at, id), so that a
        client keeps the `modified_at` of the last result it read and asks again later with
        `modified_after=<it>` to get what was added or amended since. Follow `next` for the following pages.
        A submitter sees what it submitted; a commune its residents' results; a district and the province their
        subtree; an enterprise its own workers'. An amended result comes back again with its new values and
        `amendment_reason`."""
        params = request.query_params
        results = access.visible(TestResult, request.user)
        raw = (params.get("modified_after") or "").strip()
        # an unencoded "+01:00" arrives as " 01:00": read it as meant
        raw = re.sub(r" (\d{2}:?\d{2})$", r"+\1", raw)
        if raw:
            try:
                after = dates.parse_datetime(raw)
            except dates.DateError:
                raise ValidationError(
                    {"modified_after": f"{raw!r} is not a date and time (ISO 8601)"}
                ) from None
            results = results.modified_after(after)
        try:
            limit = int(params.get("limit") or PAGE_DEFAULT)
        except ValueError:
            raise ValidationError({"limit": "a whole number"}) from None
        if not 1 <= limit <= PAGE_MAX:
            raise ValidationError({"limit": f"between 1 and {PAGE_MAX}"})
        results = results.select_related("person", "person__residence", "submitter", "pool", "area")
        try:
            page = lists.keyset_page(results, "modified_at", params.get("cursor"), limit)
        except lists.BadCursor:
            raise ValidationError(
                {"cursor": "not a cursor of this endpoint: start again without it"}
            ) from None
        following = None
        if page.next_cursor:
            query = params.copy()
            query["cursor"] = page.next_cursor
            following = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response(
            {"next": following, "cursor": page.next_cursor, "results": [_out(r) for r in page.rows]}
        )


def _too_large(message: str) -> Response:
    return Response({"error": message, "details": []}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
