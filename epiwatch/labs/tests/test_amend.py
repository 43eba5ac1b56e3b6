"""Amendments: the old value stays in the audit trail, the reason is kept, and the cases follow the new value."""

from django.core.exceptions import PermissionDenied, ValidationError

from epiwatch.accounts.models import AuditEvent
from epiwatch.cases.models import Case
from epiwatch.labs.amendments import amend
from epiwatch.labs.models import TestResult
from epiwatch.labs.tests.base import ResultsTestCase, local, row
from epiwatch.tasks.models import Task


class AmendTests(ResultsTestCase):
    def stored_result(self, **values) -> TestResult:
        self.submit([row(external_id="S1", **values)])
        return TestResult.objects.get()

    def test_it_keeps_the_old_value_in_the_audit_trail_and_the_reason_on_the_result(self):
        result = self.stored_result(result="negative", ct_value="")
        amend(
            result,
            result="dương tính",
            ct_value="21,5",
            reason_text="typed in the wrong column",
            user=self.lab,
        )
        result.refresh_from_db()
        self.assertEqual((result.result, str(result.ct_value)), ("positive", "21.5"))
        self.assertEqual(result.amendment_reason, "typed in the wrong column")
        event = AuditEvent.objects.filter(model="labs.testresult", action="update").get()
        self.assertEqual(event.changes["result"], ["negative", "positive"])
        self.assertEqual(event.changes["ct_value"], [None, "21.5"])
        self.assertEqual((event.user, event.organization, event.via), (self.lab, self.lab_org, "web"))

    def test_a_negative_amended_to_positive_opens_the_case(self):
        result = self.stored_result(result="negative")
        change = amend(result, result="positive", reason_text="wrong result", user=self.lab)
        self.assertEqual((change.action, change.classification), ("opened", "confirmed"))
        self.assertEqual(Case.objects.get().person, self.duc)

    def test_a_positive_amended_to_negative_takes_back_the_case_it_opened(self):
        result = self.stored_result(result="positive")
        case = Case.objects.get()
        change = amend(result, result="negative", reason_text="sample mix-up", user=self.lab)
        case.refresh_from_db()
        self.assertEqual((change.action, case.classification), ("amended", "discarded"))
        self.assertEqual(case.classification_rule, f"amendment/{result.public_id}")
        self.assertEqual(list(case.events.values_list("kind", flat=True)), ["opened", "amended"])
        # amended back: the same case is confirmed again
        amend(result, result="positive", reason_text="the first value was right", user=self.lab)
        case.refresh_from_db()
        self.assertEqual(case.classification, "confirmed")
        self.assertEqual(Case.objects.count(), 1)

    def test_a_pcr_amended_to_negative_returns_an_upgraded_case_to_suspected(self):
        self.submit(
            [row(test_type="test nhanh", result="DT", sampled_at="01/11/2021 08:00", resulted_at=None)]
        )
        self.submit([row(external_id="S1", result="positive")])
        result = TestResult.objects.get(external_id="S1")
        self.assertEqual(Case.objects.get().classification, "confirmed")
        amend(result, result="invalid", reason_text="the run failed", user=self.lab)
        self.assertEqual(Case.objects.get().classification, "suspected")

    def test_it_refuses_bad_values_naming_the_field(self):
        result = self.stored_result()
        cases = {
            "result": {"result": "maybe", "reason_text": "x"},
            "ct_value": {"ct_value": "46", "reason_text": "x"},
            "resulted_at": {"resulted_at": local(1), "reason_text": "x"},
            "reason_text": {"result": "positive", "reason_text": "  "},
        }
        for field, kwargs in cases.items():
            with self.subTest(field), self.assertRaises(ValidationError) as caught:
                amend(result, user=self.lab, **kwargs)
            self.assertIn(field, caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            amend(result, result="negative", reason_text="no change", user=self.lab)
        result.refresh_from_db()
        self.assertEqual((result.result, result.amendment_reason), ("negative", ""))

    def test_only_the_submitter_and_the_province_admin_amend(self):
        result = self.stored_result()
        for user in (self.commune, self.district_a, self.province_analyst, self.school, self.outsider):
            with self.subTest(user.username), self.assertRaises(PermissionDenied):
                amend(result, result="positive", reason_text="x", user=user)
        amend(result, result="positive", reason_text="checked with the lab", user=self.province_admin)
        self.assertEqual(TestResult.objects.get().result, "positive")
        self.assertEqual(Task.objects.get().kind, "investigate_case")
