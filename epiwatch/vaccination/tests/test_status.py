"""A person's status (none, partial, full, booster) from their doses, with mixed products, and the review flags."""

import datetime as dt

from django.test import SimpleTestCase

from epiwatch.vaccination import catalogue, schedule
from epiwatch.vaccination.models import Product

PRODUCTS = {row["code"]: Product(pk=i, code=row["code"], **{f: row[f] for f in catalogue.PRODUCT_FIELDS})
            for i, row in enumerate(catalogue.product_rows(), start=1)}  # fmt: skip


def doses(*given):
    """("pfizer", "2021-08-01"), ... -> DoseFacts numbered in the order given."""
    return [
        schedule.DoseFacts(n, dt.date.fromisoformat(day), PRODUCTS[code], key=n)
        for n, (code, day) in enumerate(given, start=1)
    ]


class StatusTests(SimpleTestCase):
    def test_it_is_none_without_doses(self):
        marks = schedule.milestones([])
        self.assertEqual((marks.status, marks.first_on, marks.full_on), ("none", None, None))

    def test_it_is_partial_after_one_dose_of_a_two_dose_vaccine(self):
        marks = schedule.milestones(doses(("astrazeneca", "2021-08-01")))
        self.assertEqual(
            (marks.status, marks.first_on, marks.full_on), ("partial", dt.date(2021, 8, 1), None)
        )

    def test_it_counts_astrazeneca_then_pfizer_as_full(self):
        marks = schedule.milestones(doses(("astrazeneca", "2021-08-01"), ("pfizer", "2021-09-20")))
        self.assertEqual((marks.status, marks.full_on), ("full", dt.date(2021, 9, 20)))

    def test_it_counts_janssen_alone_as_full(self):
        marks = schedule.milestones(doses(("janssen", "2021-09-01")))
        self.assertEqual((marks.status, marks.first_on, marks.full_on), ("full", dt.date(2021, 9, 1),
                                                                          dt.date(2021, 9, 1)))  # fmt: skip

    def test_it_needs_three_doses_of_abdala(self):
        two = doses(("abdala", "2021-10-01"), ("abdala", "2021-10-15"))
        self.assertEqual(schedule.milestones(two).status, "partial")
        three = doses(("abdala", "2021-10-01"), ("abdala", "2021-10-15"), ("abdala", "2021-10-29"))
        self.assertEqual(schedule.milestones(three).full_on, dt.date(2021, 10, 29))

    def test_it_completes_two_abdala_with_one_pfizer(self):
        marks = schedule.milestones(
            doses(("abdala", "2021-10-01"), ("abdala", "2021-10-15"), ("pfizer", "2021-11-05"))
        )
        self.assertEqual((marks.status, marks.full_on), ("full", dt.date(2021, 11, 5)))

    def test_a_dose_after_the_primary_series_is_a_booster(self):
        marks = schedule.milestones(
            doses(("sinopharm", "2021-07-01"), ("sinopharm", "2021-07-29"), ("pfizer", "2021-12-01"))
        )
        self.assertEqual((marks.status, marks.full_on, marks.booster_on),
                         ("booster", dt.date(2021, 7, 29), dt.date(2021, 12, 1)))  # fmt: skip
        marks = schedule.milestones(doses(("janssen", "2021-08-01"), ("moderna", "2021-11-01")))
        self.assertEqual((marks.status, marks.booster_on), ("booster", dt.date(2021, 11, 1)))

    def test_the_status_on_a_day_counts_only_the_doses_given_by_then(self):
        marks = schedule.milestones(
            doses(("pfizer", "2021-08-01"), ("pfizer", "2021-08-22"), ("pfizer", "2021-12-01"))
        )
        self.assertEqual(
            [
                marks.status_on(dt.date.fromisoformat(d))
                for d in ("2021-07-31", "2021-08-01", "2021-08-22", "2021-12-01")
            ],
            ["none", "partial", "full", "booster"],
        )

    def test_it_orders_doses_by_date_whatever_their_numbers_say(self):
        given = doses(("pfizer", "2021-08-22"), ("astrazeneca", "2021-07-01"))
        marks = schedule.milestones(given)
        self.assertEqual((marks.first_on, marks.full_on), (dt.date(2021, 7, 1), dt.date(2021, 8, 22)))

    def test_the_full_date_gives_fully_vaccinated_14_days_ago(self):
        marks = schedule.milestones(doses(("moderna", "2021-08-01"), ("moderna", "2021-08-29")))
        self.assertEqual(marks.protected_from, dt.date(2021, 9, 12))
        self.assertFalse(marks.fully_vaccinated_for(14, dt.date(2021, 9, 11)))
        self.assertTrue(marks.fully_vaccinated_for(14, dt.date(2021, 9, 12)))


class ReviewTests(SimpleTestCase):
    def test_it_flags_an_interval_shorter_than_the_schedule(self):
        flags = schedule.review(doses(("pfizer", "2021-08-01"), ("pfizer", "2021-08-15")))
        self.assertFalse(flags[1].needs_review)
        self.assertEqual(flags[2].note, "14 days after the previous dose; Pfizer-BioNTech needs at least 21")

    def test_it_judges_the_interval_by_the_product_of_the_previous_dose(self):
        # AstraZeneca then Pfizer after 3 weeks: AstraZeneca's minimum of 4 weeks applies
        flags = schedule.review(doses(("astrazeneca", "2021-08-01"), ("pfizer", "2021-08-22")))
        self.assertEqual(flags[2].note, "21 days after the previous dose; AstraZeneca needs at least 28")
        flags = schedule.review(doses(("astrazeneca", "2021-08-01"), ("pfizer", "2021-08-29")))
        self.assertFalse(flags[2].needs_review)

    def test_it_flags_an_early_booster_and_a_product_not_used_as_booster(self):
        flags = schedule.review(
            doses(("pfizer", "2021-08-01"), ("pfizer", "2021-08-22"), ("moderna", "2021-10-01"))
        )
        self.assertEqual(flags[3].note, "booster 40 days after the primary series; at least 90")
        flags = schedule.review(
            doses(("pfizer", "2021-08-01"), ("pfizer", "2021-08-22"), ("abdala", "2021-12-01"))
        )
        self.assertEqual(flags[3].note, "Abdala is not used as a booster")

    def test_it_flags_a_missing_earlier_dose(self):
        given = [schedule.DoseFacts(2, dt.date(2021, 9, 1), PRODUCTS["pfizer"], key="b")]
        self.assertEqual(schedule.review(given)["b"].note, "dose 1 not recorded")

    def test_it_does_not_flag_a_schedule_kept(self):
        flags = schedule.review(
            doses(("abdala", "2021-10-01"), ("abdala", "2021-10-15"), ("abdala", "2021-10-29"))
        )
        self.assertEqual([f.needs_review for f in flags.values()], [False, False, False])
