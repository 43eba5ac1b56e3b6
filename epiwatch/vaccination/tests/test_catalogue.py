"""The products, schedules and targets shipped as data, their loader and `epiwatch load_products`."""

import datetime as dt

from django.test import TestCase

from epiwatch.lib.tests.helpers import run_command
from epiwatch.vaccination import catalogue
from epiwatch.vaccination.models import CoverageTarget, Product


class CatalogueTests(TestCase):
    def test_the_migration_loaded_every_product_with_its_schedule(self):
        products = {p.code: p for p in Product.objects.all()}
        self.assertEqual(
            {code: (p.primary_doses, p.min_interval_days) for code, p in products.items()},
            {
                "astrazeneca": (2, 28),
                "pfizer": (2, 21),
                "moderna": (2, 28),
                "sinopharm": (2, 21),
                "sputnik_v": (2, 21),
                "abdala": (3, 14),
                "hayat_vax": (2, 21),
                "janssen": (1, None),
            },
        )
        az = products["astrazeneca"]
        self.assertEqual((az.recommended_interval_min, az.recommended_interval_max), (56, 84))
        self.assertTrue(az.is_unconfirmed("min_interval_days"))  # Vietnam's 4-week minimum is flagged
        self.assertEqual(products["pfizer"].approved_on, dt.date(2021, 6, 12))
        self.assertTrue(products["abdala"].is_unconfirmed("approved_on"))
        self.assertFalse(products["sputnik_v"].is_booster)

    def test_the_targets_are_data(self):
        target = CoverageTarget.objects.get(area_code="95", indicator="adults_1dose")
        self.assertEqual((float(target.target_pct), target.due), (90.0, dt.date(2021, 11, 10)))

    def test_loading_again_changes_nothing_and_repairs_an_edit(self):
        self.assertEqual(run_command("load_products").out, "created 0, updated 0\n")
        Product.objects.filter(code="pfizer").update(min_interval_days=5)
        self.assertEqual(
            run_command("load_products", "--dry-run").out, "created 0, updated 1 (dry run: nothing stored)\n"
        )
        self.assertEqual(Product.objects.get(code="pfizer").min_interval_days, 5)
        self.assertEqual(run_command("load_products").out, "created 0, updated 1\n")
        self.assertEqual(Product.objects.get(code="pfizer").min_interval_days, 21)

    def test_who_was_offered_vaccination_when(self):
        self.assertIsNone(catalogue.eligible_from(dt.date(2021, 1, 1)))
        self.assertEqual(catalogue.eligible_from(dt.date(2021, 11, 4)).min_age, 12)
        self.assertEqual(catalogue.eligible_from(dt.date(2022, 5, 1)).min_age, 5)

    def test_products_are_found_by_the_names_people_write(self):
        lookup = Product.objects.lookup()
        found = {text: getattr(lookup.find(text), "code", None) for text in
                 ["AZ", "astra zeneca", "Covishield", "Vero Cell", "VERO-CELL", "Sinopharm", "Phai-zơ",
                  "Vắc xin Moderna", "COVID-19 Vaccine Janssen", "Sputnik-V", "Hayat Vax", "Sinovac", ""]}  # fmt: skip
        self.assertEqual(
            found,
            {"AZ": "astrazeneca", "astra zeneca": "astrazeneca", "Covishield": "astrazeneca", "Vero Cell": "sinopharm",
             "VERO-CELL": "sinopharm", "Sinopharm": "sinopharm", "Phai-zơ": "pfizer", "Vắc xin Moderna": "moderna",
             "COVID-19 Vaccine Janssen": "janssen", "Sputnik-V": "sputnik_v", "Hayat Vax": "hayat_vax",
             "Sinovac": None, "": None},
        )  # fmt: skip
