"""Correcting a stored result: an explicit amendment with a reason, never a silent overwrite.

The old values stay in the audit trail (TestResult is an AuditedModel: the update event holds old and new), the
reason is kept on the result (`amendment_reason`), and the cases are brought in line (`cases.ingest` applies the
amended value: a positive amended to negative takes back the case it opened).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.accounts import access, audit
from epiwatch.labs import words
from epiwatch.labs.models import ANTIGEN_TYPES, TestResult
from epiwatch.labs.pipeline import CT_MAX, CT_MIN

UNSET = object()


def amend(
    test_result: TestResult,
    /,
    *,
    result: str | None = None,
    ct_value=UNSET,
    resulted_at: dt.datetime | None = None,
    reason_text: str,
    user=None,
):
    """Change a stored result's value, Ct value or result time, for `reason_text`; returns the CaseChange the
    amendment made (or None). `result` may be a code or a word people write ("dương tính"); `ct_value=None`
    clears the Ct value. Raises ValidationError (by field) on a bad value and PermissionDenied when `user` may
    not change this result (the submitter's writing members and province administrators may)."""
    from epiwatch.cases import ingest

    if (
        user is not None
        and not access.visible(TestResult.objects.filter(pk=test_result.pk), user, write=True).exists()
    ):
        raise PermissionDenied(_("You may not amend this result."))
    errors = {}
    reason_text = " ".join((reason_text or "").split())
    if not reason_text:
        errors["reason_text"] = _("Say why the result is amended.")
    changes = {}
    if result is not None:
        code = words.code_of("result", result)
        if not code:
            errors["result"] = _("'%(value)s' is not a test result") % {"value": result}
        elif code != test_result.result:
            changes["result"] = code
    if ct_value is not UNSET:
        value = None
        if ct_value not in (None, ""):
            try:
                value = decimal.Decimal(str(ct_value).replace(",", ".")).quantize(decimal.Decimal("0.1"))
            except decimal.InvalidOperation:
                errors["ct_value"] = _("'%(value)s' is not a number") % {"value": ct_value}
            else:
                if not CT_MIN <= value <= CT_MAX:
                    errors["ct_value"] = _("a Ct value is between 0 and 45")
                elif test_result.test_type in ANTIGEN_TYPES:
                    errors["ct_value"] = _("a Ct value comes from an RT-PCR test, not a rapid antigen test")
        if value != test_result.ct_value:
            changes["ct_value"] = value
    if resulted_at is not None:
        if resulted_at < test_result.sampled_at:
            errors["resulted_at"] = _("the result time is before the sample time")
        elif resulted_at > timezone.now():
            errors["resulted_at"] = _("the result time is in the future")
        elif resulted_at != test_result.resulted_at:
            changes["resulted_at"] = resulted_at
    if errors:
        raise ValidationError(errors)
    if not changes:
        raise ValidationError(_("The amendment changes nothing."))

    # the audit event names who amended: the web middleware or the API set the actor; a direct call with a
    # user acts as that user for the submitter
    acting = (
        audit.acting(user=user, organization=test_result.submitter, via="web")
        if user is not None and audit.current_actor().user is None
        else contextlib.nullcontext()
    )
    with acting, transaction.atomic():
        for name, value in changes.items():
            setattr(test_result, name, value)
        test_result.amendment_reason = reason_text[:300]
        test_result.save()
        return ingest.on_result(test_result)
