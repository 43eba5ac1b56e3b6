"""Returnees by form, by file (`epiwatch import arrivals`) and by API: the monitoring planned, the bad rows, the
refusals."""

import csv
import datetime as dt
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse

from epiwatch.accounts.models import ApiToken
from epiwatch.people.models import Person
from epiwatch.tracing import arrivals
from epiwatch.tracing.importers import ArrivalImporter
from epiwatch.tracing.models import Arrival, Place, Quarantine
from epiwatch.tracing.tests.base import TODAY, TracingTestCase, frozen_today

HEADER = [
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Mã xã nơi về",
    "Về từ tỉnh",
    "Cấp độ dịch nơi đi",
    "Ngày về",
    "Ngày tiêm đủ liều",
]


class RegisterTestCase(TracingTestCase):
    def test_it_finds_provinces_by_code_or_name(self):
        self.assertEqual(arrivals.find_province("79"), ("79", "Thành phố Hồ Chí Minh"))
        self.assertEqual(arrivals.find_province("TP Hồ Chí Minh")[0], "79")
        self.assertEqual(arrivals.find_province("binh duong")[0], "74")
        self.assertEqual(arrivals.find_province("1"), ("01", "Thành phố Hà Nội"))
        self.assertIsNone(arrivals.find_province("99"))
        self.assertEqual(len(arrivals.provinces()), 63)

    def test_an_unvaccinated_returnee_stays_14_days_at_home(self):
        registered = arrivals.register(
            self.lan,
            origin="79",
            origin_level=4,
            arrival_date=dt.date(2021, 11, 3),
            submitter=self.district_b_org,
            today=TODAY,
        )
        plan = registered.quarantine
        self.assertEqual(
            (plan.place, plan.start_date, plan.quarantine_until),
            (Place.HOME, dt.date(2021, 11, 3), dt.date(2021, 11, 16)),
        )
        self.assertEqual(plan.rule, "BYT-MT-6386:returnee.others")
        self.assertEqual(list(plan.tests.values_list("day_number", flat=True)), [1, 7, 14])

    def test_a_vaccinated_returnee_self_monitors_7_days(self):
        registered = arrivals.register(
            self.lan,
            origin="Bình Dương",
            arrival_date=dt.date(2021, 11, 3),
            doses=2,
            fully_vaccinated_on=dt.date(2021, 9, 1),
            submitter=self.district_b_org,
            today=TODAY,
        )
        plan = registered.quarantine
        self.assertEqual(
            (plan.place, plan.quarantine_until, plan.monitoring_until),
            (Place.SELF_MONITORING, None, dt.date(2021, 11, 9)),
        )
        self.assertTrue(plan.vaccination_known)

    def test_it_refuses_an_unknown_province_and_the_home_province(self):
        with self.assertRaisesMessage(arrivals.ArrivalError, "unknown province 'Sài Gòn'"):
            arrivals.register(
                self.lan,
                origin="Sài Gòn",
                arrival_date=dt.date(2021, 11, 3),
                submitter=self.district_b_org,
                today=TODAY,
            )
        with self.assertRaisesMessage(
            arrivals.ArrivalError, "Tỉnh Bạc Liêu is the province they live in, not another one"
        ):
            arrivals.register(
                self.lan,
                origin="95",
                arrival_date=dt.date(2021, 11, 3),
                submitter=self.district_b_org,
                today=TODAY,
            )
        self.assertFalse(Arrival.objects.exists())

    def test_the_same_arrival_twice_is_one(self):
        first = arrivals.register(
            self.lan,
            origin="79",
            arrival_date=dt.date(2021, 11, 3),
            submitter=self.district_b_org,
            today=TODAY,
        )
        second = arrivals.register(
            self.lan,
            origin="79",
            arrival_date=dt.date(2021, 11, 3),
            submitter=self.district_b_org,
            today=TODAY,
        )
        self.assertTrue(first.created)
        self.assertFalse(second.created)
        self.assertEqual((Arrival.objects.count(), Quarantine.objects.count()), (1, 1))


class ImportTestCase(TracingTestCase):
    def write(self, rows) -> Path:
        folder = Path(tempfile.mkdtemp())
        path = folder / "ve-que.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows(rows)
        return path

    def run_import(self, path, *args):
        out, err = StringIO(), StringIO()
        with frozen_today():
            call_command(
                "import", "arrivals", str(path), "--org", "bl-ttyt-954", *args, stdout=out, stderr=err
            )
        return out.getvalue().strip(), err.getvalue()

    def test_it_imports_returnees_and_reports_the_unknown_province_by_row_and_column(self):
        path = self.write(
            [
                ["Võ Văn Tâm", "1985", "Nam", "31813", "79", "4", "02/11/2021", ""],
                ["Đỗ Thị Hoa", "1990", "Nữ", "31816", "Sài Gòn", "4", "03/11/2021", "01/09/2021"],
                ["Lý Văn Phúc", "1979", "Nam", "31816", "Bình Dương", "", "03/11/2021", "01/09/2021"],
                ["Võ Văn Tâm", "1985", "Nam", "31813", "79", "4", "02/11/2021", ""],
            ]
        )
        summary, err = self.run_import(path)
        self.assertEqual(summary, "accepted 2, rejected 1, duplicates 1")
        errors = (path.parent / "ve-que.csv.errors.csv").read_text(encoding="utf-8-sig")
        self.assertIn("row 3, column origin_province: unknown province 'Sài Gòn'", errors)
        self.assertEqual(
            sorted(Arrival.objects.values_list("person__full_name", flat=True)), ["Lý Văn Phúc", "Võ Văn Tâm"]
        )
        self.assertEqual(Quarantine.objects.count(), 2)
        # running the same file again adds nobody
        summary, _err = self.run_import(path)
        self.assertEqual(summary, "accepted 0, rejected 1, duplicates 3")
        self.assertEqual(Arrival.objects.count(), 2)

    def test_it_refuses_a_commune_outside_the_province_dataset_and_future_dates(self):
        path = self.write(
            [
                ["A", "1985", "Nam", "99999", "79", "4", "02/11/2021", ""],
                ["B", "1985", "Nam", "31813", "79", "4", "12/11/2021", ""],
                ["C", "1985", "Nam", "31813", "79", "7", "02/11/2021", ""],
            ]
        )
        summary, err = self.run_import(path, "--dry-run")
        self.assertEqual(summary, "accepted 0, rejected 3, duplicates 0")
        self.assertIn("row 2, column commune_code: unknown commune code '99999' in dataset vn-2021", err)
        self.assertIn("row 3, column arrival_date: '12/11/2021' is in the future", err)
        self.assertIn("row 4, column origin_level: 7 is above the maximum of 4", err)

    def test_it_is_refused_for_an_organization_that_is_not_a_health_one(self):
        from django.core.management.base import CommandError

        path = self.write([["A", "1985", "Nam", "31813", "79", "4", "02/11/2021", ""]])
        with self.assertRaisesMessage(CommandError, "Returnees are recorded by a health department"):
            call_command("import", "arrivals", str(path), "--org", "bl-thuysan-1", stdout=StringIO())

    def test_the_template_headers_are_read_back(self):
        self.assertEqual(ArrivalImporter.columns.resolve(ArrivalImporter.header("vi"))["origin_province"], 7)


class ArrivalApiTestCase(TracingTestCase):
    url = reverse("api-arrivals")

    def post(self, user, body):
        _token, raw = ApiToken.issue(user)
        with frozen_today():
            return self.client.post(
                self.url, body, content_type="application/json", headers={"Authorization": f"Bearer {raw}"}
            )

    def item(self, **kw):
        return {
            "full_name": "Võ Văn Tâm",
            "date_of_birth": "1985",
            "commune_code": "31813",
            "origin_province": "79",
            "arrival_date": "2021-11-02",
            **kw,
        }

    def test_it_answers_each_item(self):
        response = self.post(
            self.commune,
            {
                "arrivals": [
                    self.item(external_id="K1"),
                    self.item(full_name="X", origin_province="99"),
                    self.item(external_id="K1"),
                ]
            },
        )
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["accepted"], body["duplicates"], body["rejected"]), (1, 1, 1))
        first, bad, again = body["items"]
        self.assertEqual(first["status"], "accepted")
        arrival = Arrival.objects.get()
        self.assertEqual(first["arrival_id"], str(arrival.public_id))
        self.assertEqual(first["quarantine_id"], str(arrival.quarantines.get().public_id))
        self.assertEqual(
            bad["errors"],
            [
                {
                    "field": "origin_province",
                    "message": "unknown province '99': give the GSO code (e.g. 79) or the name of one of the 63 provinces",
                }
            ],
        )
        self.assertEqual(again["status"], "duplicate")
        self.assertNotIn('"id"', response.content.decode())

    def test_the_same_request_again_is_all_duplicates(self):
        items = [self.item(external_id="K1"), self.item(full_name="Đỗ Thị Hoa", phone="0987000111")]
        self.post(self.commune, {"arrivals": items})
        body = self.post(self.commune, {"arrivals": items}).json()
        self.assertEqual((body["accepted"], body["duplicates"]), (0, 2))
        self.assertEqual(Person.objects.filter(full_name__in=["Võ Văn Tâm", "Đỗ Thị Hoa"]).count(), 2)
        self.assertEqual(Arrival.objects.count(), 2)

    def test_it_refuses_a_commune_outside_the_users_area(self):
        body = self.post(self.commune, {"arrivals": [self.item(commune_code="31840")]}).json()
        self.assertEqual(
            body["items"][0]["errors"],
            [{"field": "commune_code", "message": "commune Thị trấn Ngan Dừa is outside your area"}],
        )

    def test_it_is_refused_without_a_writing_health_role(self):
        for user in (self.enterprise, self.lab, self.commune_viewer, self.outsider):
            response = self.post(user, {"arrivals": [self.item()]})
            self.assertEqual(response.status_code, 403, user.username)
            self.assertIn("error", response.json())
        self.assertEqual(
            self.client.post(self.url, {"arrivals": []}, content_type="application/json").status_code, 401
        )
        self.assertFalse(Arrival.objects.exists())

    def test_it_refuses_a_malformed_body(self):
        response = self.post(self.commune, {"arrivals": [{"full_name": "A"}]})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "Invalid request")


class ArrivalPagesTestCase(TracingTestCase):
    def test_the_form_records_an_arrival_with_its_plan(self):
        self.login(self.commune)
        with frozen_today():
            response = self.client.post(
                reverse("tracing-arrival-create"),
                {
                    "full_name": "Võ Văn Tâm",
                    "birth_year": "1985",
                    "sex": "M",
                    "residence": self.commune_a1.pk,
                    "origin_province": "79",
                    "origin_level": "4",
                    "arrival_date": "2021-11-08",
                    "doses": "0",
                },
                follow=True,
            )
        self.assertContains(response, "The arrival of Võ Văn Tâm was recorded.")
        self.assertContains(response, "Thành phố Hồ Chí Minh")
        self.assertEqual(Arrival.objects.get().quarantines.get().quarantine_until, dt.date(2021, 11, 21))

    def test_the_form_refuses_a_future_arrival(self):
        self.login(self.commune)
        with frozen_today():
            response = self.client.post(
                reverse("tracing-arrival-create"),
                {
                    "full_name": "A",
                    "birth_year": "1985",
                    "sex": "M",
                    "residence": self.commune_a1.pk,
                    "origin_province": "79",
                    "arrival_date": "2021-11-20",
                    "doses": "0",
                },
            )
        self.assertContains(response, "The arrival date cannot be in the future.")
        self.assertFalse(Arrival.objects.exists())

    def test_pages_are_refused(self):
        self.assert_refused(
            reverse("tracing-arrival-list"),
            [None, self.school, self.enterprise, self.lab, self.outsider, self.facility_user],
        )
        self.assert_refused(
            reverse("tracing-arrival-create"),
            [None, self.province_analyst, self.commune_viewer, self.school, self.outsider],
        )

    def test_the_list_shows_the_area_only(self):
        arrivals.register(
            self.lan,
            origin="79",
            arrival_date=dt.date(2021, 11, 3),
            submitter=self.district_b_org,
            today=TODAY,
        )
        self.login(self.commune)
        self.assertNotContains(self.client.get(reverse("tracing-arrival-list")), "Phạm Thị Lan")
        self.login(self.district_b)
        self.assertContains(self.client.get(reverse("tracing-arrival-list")), "Phạm Thị Lan")
