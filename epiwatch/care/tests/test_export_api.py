"""`epiwatch export capacity` and the occupancy API."""

import datetime as dt
import io

from django.urls import reverse

from epiwatch.accounts import access
from epiwatch.accounts.models import ApiToken
from epiwatch.care import admissions as moves
from epiwatch.care.exporters import CapacityExporter
from epiwatch.care.models import Facility, FacilityKind
from epiwatch.care.tests.base import CareTestCase, at, make_case, set_capacity
from epiwatch.cases.models import Severity
from epiwatch.lib.tests.helpers import parse_csv

COLUMNS = [
    "date",
    "facility_code",
    "facility_name",
    "facility_kind",
    "area_code",
    "tier",
    "beds",
    "occupied",
    "free",
    "icu_beds",
    "icu_occupied",
    "ventilators",
    "ventilators_in_use",
    "oxygen_points",
    "doctors",
    "icu_doctors",
    "nurses",
    "capacity_from",
]


class CapacityExportTests(CareTestCase):
    def setUp(self):
        super().setUp()
        moves.admit(
            make_case(self.commune_a1, Severity.CRITICAL), self.hospital, 3, at(3), support="ventilator"
        )
        moves.admit(make_case(self.commune_a1), self.hospital, 2, at(3))

    def rows(self, ran):
        table = parse_csv(ran.out)
        self.assertEqual(table[0], COLUMNS)
        return [dict(zip(table[0], r, strict=True)) for r in table[1:]]

    def test_it_writes_one_row_per_facility_and_tier_on_the_day(self):
        ran = self.export("capacity", "--area", "954", "--to", "04/11/2021")
        self.assertEqual(ran.code, 0)
        rows = self.rows(ran)
        self.assertEqual(
            [(r["facility_code"], r["tier"], r["beds"], r["occupied"]) for r in rows],
            [
                ("bl-bvdc-1", "1", "20", "0"),
                ("bl-bvdc-1", "2", "2", "0"),
                ("bl-tyt-31813", "1", "0", "0"),
                ("bl-bvdk", "2", "10", "1"),
                ("bl-bvdk", "3", "4", "1"),
            ],
        )
        hospital = [r for r in rows if r["facility_code"] == "bl-bvdk"]
        # facility-wide figures once: ICU and ventilators on the tier 3 row, staff on the first row
        self.assertEqual(
            [(r["icu_beds"], r["ventilators"], r["ventilators_in_use"]) for r in hospital],
            [("0", "0", "0"), ("2", "1", "1")],
        )
        self.assertEqual(
            [(r["doctors"], r["icu_doctors"], r["nurses"]) for r in hospital],
            [("10", "2", "20"), ("0", "0", "0")],
        )

    def test_a_later_day_reads_the_capacity_then_in_force(self):
        rows = self.rows(self.export("capacity", "--area", "31813", "--to", "2021-11-05"))
        self.assertEqual(
            [
                (r["beds"], r["capacity_from"])
                for r in rows
                if r["tier"] == "1" and r["facility_code"] == "bl-bvdc-1"
            ],
            [("50", "2021-11-05")],
        )

    def test_the_columns_sum_to_the_province_totals(self):
        rows = self.rows(self.export("capacity", "--area", "95", "--to", "04/11/2021"))
        total = lambda column: sum(int(r[column]) for r in rows)  # noqa: E731
        self.assertEqual(
            (total("beds"), total("occupied"), total("icu_beds"), total("doctors"), total("nurses")),
            (48, 2, 2, 13, 28),
        )

    def test_the_exporter_takes_the_snapshot_day_and_the_scope(self):
        exporter = CapacityExporter()
        rows = list(exporter.rows(access.scope_for(self.clinician), on_date=dt.date(2021, 11, 4)))
        self.assertEqual({r[1] for r in rows}, {"bl-bvdk"})
        self.assertEqual(list(exporter.rows(access.scope_for(self.outsider))), [])
        out = io.StringIO()
        self.assertEqual(exporter.write(out, scope=access.FULL, on_date=dt.date(2021, 11, 4)), 7)


class OccupancyApiTests(CareTestCase):
    def setUp(self):
        super().setUp()
        moves.admit(make_case(self.commune_a1, Severity.SEVERE), self.hospital, 3, at(3), support="icu")
        moves.admit(make_case(self.commune_b1, Severity.MILD), self.hospital_b, 1, at(3))

    def get(self, user, url, **params):
        _token, raw = ApiToken.issue(user)
        return self.client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {raw}")

    def test_it_lists_the_facilities_the_user_sees_with_their_tiers(self):
        response = self.get(self.district_b, reverse("api-care-occupancy"))
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual([f["code"] for f in body], ["bl-bv-956"])
        self.assertEqual(
            body[0]["tiers"],
            [
                {"tier": 1, "beds": 10, "occupied": 1, "free": 9, "occupancy_pct": 10.0},
                {"tier": 2, "beds": 2, "occupied": 0, "free": 2, "occupancy_pct": 0.0},
            ],
        )
        response = self.get(self.clinician, reverse("api-care-occupancy"))
        self.assertEqual([(f["code"], f["icu_occupied"]) for f in response.json()], [("bl-bvdk", 1)])

    def test_the_summary_gives_free_beds_per_tier(self):
        response = self.get(
            self.province_analyst, reverse("api-care-occupancy-summary"), area="95", date="2021-11-04"
        )
        body = response.json()
        self.assertEqual(body["facilities"], 4)
        self.assertEqual(
            [(t["tier"], t["beds"], t["free"]) for t in body["tiers"]], [(1, 30, 29), (2, 14, 14), (3, 4, 3)]
        )
        self.assertEqual((body["icu_beds"], body["icu_free"]), (2, 1))

    def test_bad_parameters_and_refusals(self):
        response = self.get(self.province_analyst, reverse("api-care-occupancy"), date="31/02/2021")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["details"][0]["field"], "date")
        self.assertEqual(
            self.get(self.district_a, reverse("api-care-occupancy"), area="956").status_code, 404
        )
        self.assertEqual(self.client.get(reverse("api-care-occupancy")).status_code, 401)
        for user in (self.outsider, self.school, self.lab, self.other_province_user):
            self.assertEqual(self.get(user, reverse("api-care-occupancy")).json(), [], user.username)

    def test_the_list_reads_in_a_fixed_number_of_queries(self):
        for i in range(10):
            f = Facility.objects.create(
                code=f"x-{i}",
                name=f"X {i}",
                kind=FacilityKind.FIELD_HOSPITAL,
                area=self.commune_a1,
                serves_tier_1=True,
            )
            set_capacity(f, dt.date(2021, 10, 1), beds_tier_1=5)
        _token, raw = ApiToken.issue(self.province_analyst)
        self.client.get(reverse("api-care-occupancy"), HTTP_AUTHORIZATION=f"Bearer {raw}")
        # the token (and its last use), the memberships, the facilities, their capacity, their patients
        with self.assertNumQueries(6):
            response = self.client.get(reverse("api-care-occupancy"), HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.assertEqual(len(response.json()), 14)
