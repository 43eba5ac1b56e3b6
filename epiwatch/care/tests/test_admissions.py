"""Admitting, transferring and discharging: occupancy derives from the stays, and bad moves are refused."""

from epiwatch.accounts.models import AuditEvent
from epiwatch.care import admissions as moves
from epiwatch.care import capacity
from epiwatch.care.models import Admission, DischargeReason, Support
from epiwatch.care.tests.base import CareTestCase, at, make_case
from epiwatch.cases.models import CaseOutcome, Classification, Severity


class AdmissionTests(CareTestCase):
    def occupied(self, facility, tier):
        return capacity.usage([facility.pk]).get(facility.pk, capacity.Usage()).by_tier.get(tier, 0)

    def test_it_counts_occupancy_from_open_stays(self):
        case = make_case(self.commune_a1)
        moves.admit(case, self.field, 2, at(3))
        self.assertEqual(self.occupied(self.field, 2), 1)
        self.assertEqual(Admission.objects.get().province_code, "95")

    def test_it_leaves_an_audit_event_per_stay(self):
        case = make_case(self.commune_a1)
        outcome = moves.admit(case, self.field, 2, at(3))
        events = AuditEvent.objects.filter(model="care.admission", object_id=str(outcome.admission.public_id))
        self.assertEqual(events.count(), 1)

    def test_it_refuses_a_discarded_case(self):
        case = make_case(self.commune_a1, classification=Classification.DISCARDED)
        with self.assertRaises(moves.AdmissionError) as caught:
            moves.admit(case, self.field, 1, at(3))
        self.assertIn("is not a case", caught.exception.message)
        self.assertEqual(caught.exception.field, "case")
        self.assertFalse(Admission.objects.exists())

    def test_it_refuses_a_case_who_died(self):
        case = make_case(self.commune_a1)
        case.outcome = CaseOutcome.DIED
        case.save()
        with self.assertRaises(moves.AdmissionError):
            moves.admit(case, self.field, 1, at(3))

    def test_it_refuses_a_tier_the_facility_does_not_serve(self):
        case = make_case(self.commune_a1)
        with self.assertRaises(moves.AdmissionError) as caught:
            moves.admit(case, self.field, 3, at(3))
        self.assertEqual(caught.exception.field, "tier")
        self.assertIn("does not serve tier 3", caught.exception.message)

    def test_it_refuses_an_icu_bed_outside_tier_3(self):
        case = make_case(self.commune_a1)
        with self.assertRaises(moves.AdmissionError) as caught:
            moves.admit(case, self.hospital, 2, at(3), support=Support.ICU)
        self.assertEqual(caught.exception.field, "support")

    def test_it_refuses_an_admission_in_the_future(self):
        case = make_case(self.commune_a1)
        with self.assertRaises(moves.AdmissionError) as caught:
            moves.admit(case, self.field, 1, at(6))
        self.assertIn("in the future", caught.exception.message)

    def test_it_keeps_a_case_in_one_bed(self):
        case = make_case(self.commune_a1)
        moves.admit(case, self.field, 1, at(2))
        with self.assertRaises(moves.AdmissionError) as caught:
            moves.admit(case, self.hospital_b, 1, at(3))
        self.assertIn("already in Bệnh viện dã chiến số 1", caught.exception.message)
        self.assertEqual(Admission.objects.count(), 1)

    def test_it_refuses_a_stay_overlapping_an_earlier_one(self):
        case = make_case(self.commune_a1)
        first = moves.admit(case, self.field, 1, at(1)).admission
        moves.discharge(first, at(3), DischargeReason.HOME_CARE)
        with self.assertRaises(moves.AdmissionError):
            moves.admit(case, self.hospital_b, 1, at(2))
        with self.assertRaises(moves.AdmissionError):
            moves.admit(
                case, self.hospital_b, 1, at(1, 8), discharged_at=at(1, 12), discharge_reason="recovered"
            )
        moves.admit(case, self.hospital_b, 1, at(4))  # after the first stay ended: fine
        self.assertEqual(Admission.objects.count(), 2)

    def test_it_admits_over_capacity_with_a_warning(self):
        # tier 3 of the hospital has 4 beds
        for _ in range(4):
            outcome = moves.admit(make_case(self.commune_a1, Severity.SEVERE), self.hospital, 3, at(3))
            self.assertEqual(outcome.warnings, [])
        outcome = moves.admit(make_case(self.commune_a1, Severity.SEVERE), self.hospital, 3, at(3))
        self.assertEqual(len(outcome.warnings), 1)
        self.assertIn("5 tier 3 patients in 4 beds: over capacity", outcome.warnings[0])
        self.assertEqual(self.occupied(self.hospital, 3), 5)

    def test_it_warns_when_the_ventilators_run_out(self):
        moves.admit(
            make_case(self.commune_a1, Severity.CRITICAL), self.hospital, 3, at(3), support=Support.VENTILATOR
        )
        outcome = moves.admit(
            make_case(self.commune_a1, Severity.CRITICAL), self.hospital, 3, at(3), support=Support.VENTILATOR
        )
        self.assertTrue(any("2 ventilated patients for 1 ventilators" in w for w in outcome.warnings))

    def test_it_transfers_a_severe_case_and_links_the_stays(self):
        case = make_case(self.commune_a1, Severity.SEVERE)
        first = moves.admit(case, self.field, 2, at(2)).admission
        second = moves.transfer(first, self.hospital, 3, at(3), support=Support.ICU).admission
        first.refresh_from_db()
        self.assertEqual(first.discharge_reason, DischargeReason.TRANSFERRED)
        self.assertEqual(first.discharged_at, at(3))
        self.assertEqual(first.transferred_to, second)
        self.assertTrue(second.is_open)
        self.assertEqual(self.occupied(self.field, 2), 0)
        self.assertEqual(self.occupied(self.hospital, 3), 1)
        self.assertEqual(capacity.usage([self.hospital.pk])[self.hospital.pk].icu, 1)

    def test_it_refuses_a_transfer_before_the_admission(self):
        first = moves.admit(make_case(self.commune_a1), self.field, 2, at(3)).admission
        with self.assertRaises(moves.AdmissionError) as caught:
            moves.transfer(first, self.hospital, 3, at(2))
        self.assertIn("before the admission", caught.exception.message)
        first.refresh_from_db()
        self.assertTrue(first.is_open)
        self.assertEqual(Admission.objects.count(), 1)

    def test_it_refuses_a_transfer_to_the_same_bed(self):
        first = moves.admit(make_case(self.commune_a1), self.field, 2, at(3)).admission
        with self.assertRaises(moves.AdmissionError):
            moves.transfer(first, self.field, 2, at(4))
        moves.transfer(first, self.field, 1, at(4))  # another tier of the same facility is a move
        self.assertEqual(self.occupied(self.field, 1), 1)

    def test_it_refuses_a_discharge_before_the_admission(self):
        stay = moves.admit(make_case(self.commune_a1), self.field, 1, at(3, 10)).admission
        with self.assertRaises(moves.AdmissionError) as caught:
            moves.discharge(stay, at(3, 9), DischargeReason.RECOVERED)
        self.assertEqual(caught.exception.field, "discharged_at")
        self.assertIn("before the admission", caught.exception.message)
        stay.refresh_from_db()
        self.assertTrue(stay.is_open)

    def test_it_refuses_a_second_discharge(self):
        stay = moves.admit(make_case(self.commune_a1), self.field, 1, at(3)).admission
        moves.discharge(stay, at(4), DischargeReason.HOME_CARE)
        with self.assertRaises(moves.AdmissionError):
            moves.discharge(stay, at(4, 12), DischargeReason.RECOVERED)

    def test_a_transfer_is_not_a_discharge_reason(self):
        stay = moves.admit(make_case(self.commune_a1), self.field, 1, at(3)).admission
        with self.assertRaises(moves.AdmissionError) as caught:
            moves.discharge(stay, at(4), DischargeReason.TRANSFERRED)
        self.assertEqual(caught.exception.field, "discharge_reason")

    def test_a_discharge_as_recovered_or_dead_closes_the_case(self):
        recovered = make_case(self.commune_a1)
        stay = moves.admit(recovered, self.field, 1, at(1)).admission
        moves.discharge(stay, at(4, 8), DischargeReason.RECOVERED)
        recovered.refresh_from_db()
        self.assertEqual((recovered.outcome, recovered.outcome_date.day), (CaseOutcome.RECOVERED, 4))
        died = make_case(self.commune_a1, Severity.CRITICAL)
        stay = moves.admit(died, self.hospital, 3, at(1)).admission
        moves.discharge(stay, at(3), DischargeReason.DIED)
        died.refresh_from_db()
        self.assertEqual(died.outcome, CaseOutcome.DIED)
        home = make_case(self.commune_a1)
        stay = moves.admit(home, self.field, 1, at(1)).admission
        moves.discharge(stay, at(3), DischargeReason.HOME_CARE)
        home.refresh_from_db()
        self.assertEqual(home.outcome, CaseOutcome.ACTIVE)

    def test_it_changes_the_support_of_an_open_stay(self):
        stay = moves.admit(make_case(self.commune_a1, Severity.SEVERE), self.hospital, 3, at(3)).admission
        moves.change_support(stay, Support.VENTILATOR)
        used = capacity.usage([self.hospital.pk])[self.hospital.pk]
        self.assertEqual((used.icu, used.ventilators), (1, 1))

    def test_a_past_day_counts_who_was_in_a_bed_when_it_ended(self):
        stay = moves.admit(make_case(self.commune_a1), self.field, 1, at(1)).admission
        moves.discharge(stay, at(3, 9), DischargeReason.RECOVERED)

        def on(day):
            return (
                capacity.usage([self.field.pk], at=capacity.end_of_day(day))
                .get(self.field.pk, capacity.Usage())
                .total
            )

        self.assertEqual([on(at(d).date()) for d in (1, 2, 3)], [1, 1, 0])
