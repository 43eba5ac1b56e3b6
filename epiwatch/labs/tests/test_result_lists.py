"""The results list (filters, keyset pages), its CSV/XLSX export, positivity by type and area, and who has not
reported: each scoped by the access module."""

import datetime as dt
import io

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from epiwatch.accounts.models import AuditAction, AuditEvent, Organization, OrgKind
from epiwatch.labs import lists
from epiwatch.labs.models import TestResult
from epiwatch.labs.shift_models import Shift
from epiwatch.labs.tests.base import row, submit_as
from epiwatch.labs.tests.web import ResultsWebTestCase
from epiwatch.lib.tests.helpers import parse_csv
from epiwatch.people.models import Person, RosterEntry

LIST = reverse("result-list")


def lan(**values):
    return row(
        national_id="095199004321",
        full_name="Trần Thị Lan",
        sex="F",
        date_of_birth="03/07/1999",
        commune_code="31840",
        **values,
    )


def worker(**values):
    return row(
        national_id="095185004321",
        full_name="Lê Thị Hồng",
        sex="F",
        date_of_birth="09/04/1985",
        commune_code="31816",
        **values,
    )


class ListTestCase(ResultsWebTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        qn = Person.objects.create(
            national_id="022090001111",
            full_name="Đỗ Văn Hải",
            date_of_birth=dt.date(1990, 1, 1),
            sex="M",
            residence=cls.other_commune,
        )
        submit_as(
            cls.lab_org,
            [
                row(external_id="S1", result="positive", ct_value="22"),
                lan(external_id="S2"),
                row(external_id="S3", test_type="antigen", sampled_at="05/11/2021 08:00", resulted_at=""),
                worker(external_id="S4", sampled_at="03/11/2021 07:00", resulted_at=""),
            ],
        )
        submit_as(
            cls.commune_org,
            [row(test_type="antigen", result="positive", sampled_at="04/11/2021 09:00", resulted_at="")],
        )
        submit_as(
            cls.enterprise_org, [worker(test_type="antigen", sampled_at="03/11/2021 06:00", resulted_at="")]
        )
        submit_as(
            cls.other_province_org,
            [
                row(
                    national_id=qn.national_id,
                    full_name=qn.full_name,
                    date_of_birth="01/01/1990",
                    commune_code="06757",
                )
            ],
        )
        cls.by = {
            r.external_id or f"{r.submitter.code}": r for r in TestResult.objects.select_related("submitter")
        }

    def listed(self, user, **params) -> list[str]:
        self.login(user)
        response = self.client.get(LIST, params)
        self.assertEqual(response.status_code, 200)
        return [r.external_id or r.submitter.code for r in response.context["page"].rows]


class ResultListTests(ListTestCase):
    def test_each_user_sees_what_the_access_rules_allow(self):
        expected = {
            self.lab: ["S3", "S1", "S2", "S4"],
            self.commune: ["S3", "bl-tyt-31813", "S1"],
            self.district_a: ["S3", "bl-tyt-31813", "S4", "bl-thuysan-1", "S1"],
            self.district_b: ["S2"],
            self.enterprise: ["bl-thuysan-1"],
            self.school: [],
            self.province_admin: ["S3", "bl-tyt-31813", "S4", "bl-thuysan-1", "S1", "S2"],
            self.province_analyst: ["S3", "bl-tyt-31813", "S4", "bl-thuysan-1", "S1", "S2"],
            self.other_province_user: ["qn-cdc"],
        }
        for user, ids in expected.items():
            self.assertEqual(sorted(self.listed(user)), sorted(ids), user.username)
        self.assertEqual(self.listed(self.province_admin)[:2], ["S3", "bl-tyt-31813"])  # newest sample first
        self.assert_refused(LIST, [None, self.outsider])

    def test_it_filters_by_area_submitter_days_type_and_result(self):
        admin = self.province_admin
        self.assertEqual(sorted(self.listed(admin, area="31816")), ["S4", "bl-thuysan-1"])
        self.assertEqual(sorted(self.listed(admin, area="956")), ["S2"])
        self.assertEqual(sorted(self.listed(admin, submitter="bl-lab")), ["S1", "S2", "S3", "S4"])
        self.assertEqual(
            sorted(self.listed(admin, date_from="03/11/2021", date_to="04/11/2021")),
            ["S4", "bl-thuysan-1", "bl-tyt-31813"],
        )
        self.assertEqual(
            sorted(self.listed(admin, test_type="antigen")), ["S3", "bl-thuysan-1", "bl-tyt-31813"]
        )
        self.assertEqual(sorted(self.listed(admin, result="positive")), ["S1", "bl-tyt-31813"])
        self.assertEqual(self.listed(admin, test_type="rt_pcr", result="positive", area="954"), ["S1"])

    def test_filters_the_user_may_not_use_are_refused_with_a_message(self):
        self.login(self.commune)
        response = self.client.get(LIST, {"area": "956", "date_from": "31/02/2021"})
        form = response.context["form"]
        self.assertEqual(form.errors["date_from"], ["'31/02/2021' is not a date"])
        self.assertIn("Select a valid choice", form.errors["area"][0])
        self.assertEqual(response.context["page"].rows, [])
        response = self.client.get(LIST, {"date_from": "05/11/2021", "date_to": "01/11/2021"})
        self.assertEqual(response.context["form"].errors["date_to"], ["The last day is before the first."])

    def test_pages_follow_each_other_without_a_gap_or_a_repeat(self):
        items = [
            row(
                external_id=f"K{i:03}",
                sampled_at=f"{1 + i % 20:02}/10/2021 {7 + i % 3:02}:00",
                resulted_at="",
            )
            for i in range(120)
        ]
        submit_as(self.lab_org, items)
        self.login(self.lab)
        seen, params, pages = [], {"date_to": "31/10/2021"}, 0
        while True:
            response = self.client.get(LIST, params)
            page = response.context["page"]
            seen += [r.external_id for r in page.rows]
            pages += 1
            if not page.next_cursor:
                break
            self.assertNotRegex(page.next_cursor, r"^\d+$")
            params = {"date_to": "31/10/2021", "after": page.next_cursor}
        self.assertEqual(pages, 3)
        self.assertEqual(sorted(seen), sorted(i["external_id"] for i in items))
        self.assertEqual(len(seen), len(set(seen)))
        stored = TestResult.objects.filter(external_id__startswith="K")
        self.assertEqual(seen, [r.external_id for r in stored.order_by("-sampled_at", "-pk")])
        self.assertEqual(self.client.get(LIST, {"after": "forged"}).status_code, 400)

    def test_a_results_list_of_another_organizations_upload_is_not_found(self):
        from epiwatch.labs.models import ImportBatch

        batch = ImportBatch.objects.create(organization=self.lab_org, source="upload", file_name="x.csv")
        self.login(self.other_province_user)
        self.assertEqual(self.client.get(LIST, {"batch": str(batch.public_id)}).status_code, 404)
        self.login(self.lab)
        self.assertEqual(self.client.get(LIST, {"batch": str(batch.public_id)}).status_code, 200)


class ExportTests(ListTestCase):
    def export(self, user, fmt="csv", **params):
        self.login(user)
        return self.client.get(reverse("result-export", args=[fmt]), params)

    def test_the_csv_export_streams_the_filtered_rows_with_the_filters_in_its_name(self):
        response = self.export(
            self.district_a, area="954", date_from="01/11/2021", date_to="07/11/2021", test_type="rt_pcr"
        )
        self.assertEqual(
            response["Content-Disposition"], 'attachment; filename="results-954-20211101-20211107-rt_pcr.csv"'
        )
        rows = parse_csv(b"".join(response.streaming_content).decode("utf-8-sig"))
        self.assertEqual(rows[0], list(lists.EXPORT_COLUMNS))
        self.assertEqual(rows[0][:4], ["result_id", "person_id", "external_id", "national_id"])
        self.assertEqual(
            [(r[2], r[4], r[13], r[-3]) for r in rows[1:]],
            [("S1", "Nguyễn Văn Đức", "positive", "bl-lab"), ("S4", "Lê Thị Hồng", "negative", "bl-lab")],
        )
        self.assertNotIn("S2", [r[2] for r in rows])  # district B's resident
        event = AuditEvent.objects.get(action=AuditAction.EXPORT)
        self.assertEqual(
            (event.user, event.changes["rows"], event.changes["area"]), (self.district_a, 2, "954")
        )

    def test_the_xlsx_export_holds_the_same_rows(self):
        response = self.export(self.commune, "xlsx", result="positive")
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="results-positive.xlsx"')
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        values = list(sheet.values)
        self.assertEqual(values[0], lists.EXPORT_COLUMNS)
        self.assertEqual(sorted(v[2] or v[-3] for v in values[1:]), ["S1", "bl-tyt-31813"])

    def test_formula_like_text_is_escaped_in_the_export(self):
        submit_as(
            self.lab_org,
            [row(external_id="=cmd|' /C calc'!A0", sampled_at="06/11/2021 07:00", resulted_at="")],
        )
        response = self.export(self.lab)
        rows = parse_csv(b"".join(response.streaming_content).decode("utf-8-sig"))
        self.assertIn("'=cmd|' /C calc'!A0", [r[2] for r in rows])

    def test_the_export_is_scoped_and_refused_to_outsiders(self):
        self.assert_refused(reverse("result-export", args=["csv"]), [None, self.outsider])
        rows = parse_csv(b"".join(self.export(self.school).streaming_content).decode("utf-8-sig"))
        self.assertEqual(rows, [list(lists.EXPORT_COLUMNS)])
        self.assertEqual(self.export(self.lab, date_from="bad").status_code, 400)
        self.assertEqual(self.client.get("/results/export.pdf").status_code, 404)


class PositivityTests(ListTestCase):
    def test_positivity_is_one_grouped_query_per_type_and_child_area(self):
        results = TestResult.objects.all()
        with CaptureQueriesContext(connection) as queries:
            table = lists.positivity(results, self.province)
        self.assertEqual(len(queries), 2)  # the grouped counts, the children's names
        self.assertEqual(table.types, ["rt_pcr", "antigen"])
        rows = {r.area.code: [(c.tested, c.positive) for c in r.type_cells] for r in table.rows}
        self.assertEqual(rows, {"954": [(2, 1), (3, 1)], "956": [(1, 0), (0, 0)]})
        self.assertEqual(
            [(c.tested, c.positive, round(c.rate, 1)) for c in table.total.type_cells],
            [(3, 1, 33.3), (3, 1, 33.3)],
        )
        self.assertEqual((table.total.total.tested, table.total.total.positive), (6, 2))

    def test_the_page_shows_the_users_area_by_children(self):
        self.login(self.district_a)
        table = self.client.get(reverse("results-positivity")).context["table"]
        self.assertEqual(table.area, self.district_a_area)
        self.assertEqual(
            {r.area.code: (r.total.tested, r.total.positive) for r in table.rows},
            {"31813": (3, 2), "31816": (2, 0)},
        )
        self.login(self.lab)  # what the lab submitted, in its province
        table = self.client.get(
            reverse("results-positivity"), {"date_from": "02/11/2021", "date_to": "02/11/2021"}
        ).context["table"]
        self.assertEqual({r.area.code: r.total.tested for r in table.rows}, {"954": 1, "956": 1})
        self.login(self.commune)
        response = self.client.get(reverse("results-positivity"), {"area": "954"})
        self.assertIn("Select a valid choice", response.context["form"].errors["area"][0])
        self.assert_refused(reverse("results-positivity"), [None, self.outsider])


class NotReportedTests(ListTestCase):
    def test_it_lists_who_is_expected_and_sent_nothing_that_day(self):
        RosterEntry.objects.filter(organization=self.enterprise_org).update(shift="A")
        quiet = Organization.objects.create(
            code="bl-thuysan-2", name="Nhà máy 2", kind=OrgKind.ENTERPRISE, area=self.commune_a2
        )
        RosterEntry.objects.create(organization=quiet, person=self.duc, shift="B")
        Organization.objects.create(
            code="bl-thuysan-3", name="Nhà máy 3", kind=OrgKind.ENTERPRISE, area=self.commune_a2
        )  # no shift: not expected
        with_shift = Organization.objects.create(
            code="bl-thuysan-4", name="Nhà máy 4", kind=OrgKind.ENTERPRISE, area=self.commune_a2
        )
        Shift.objects.create(organization=with_shift, code="A", starts_at=dt.time(6), ends_at=dt.time(14))

        def listed(day):
            with CaptureQueriesContext(connection) as queries:
                orgs = list(lists.not_reported(Organization.objects.all(), day))
            self.assertEqual(len(queries), 1)
            return {o.code: o.last_sampled for o in orgs}

        # 3 November: the enterprise and the lab sampled that day; the second factory never did
        self.assertEqual(listed(dt.date(2021, 11, 3)), {"bl-thuysan-2": None, "bl-thuysan-4": None})
        # 4 November: the lab (which reported on the 2nd and 3rd) and the enterprise did not
        day4 = listed(dt.date(2021, 11, 4))
        self.assertEqual(set(day4), {"bl-lab", "bl-thuysan-1", "bl-thuysan-2", "bl-thuysan-4"})
        self.assertEqual(
            day4["bl-lab"].astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%d/%m %H:%M"),
            "03/11 07:00",
        )
        # 20 November: nobody reported in the week before, only the shift enterprises are expected
        self.assertEqual(set(listed(dt.date(2021, 11, 20))), {"bl-thuysan-1", "bl-thuysan-2", "bl-thuysan-4"})

    def test_the_page_is_scoped_to_the_organizations_the_user_sees(self):
        RosterEntry.objects.filter(organization=self.enterprise_org).update(shift="A")
        url = reverse("results-not-reported")
        self.login(self.district_b)
        self.assertEqual(list(self.client.get(url, {"day": "20/11/2021"}).context["organizations"]), [])
        self.login(self.district_a)
        response = self.client.get(url, {"day": "20/11/2021"})
        self.assertEqual([o.code for o in response.context["organizations"]], ["bl-thuysan-1"])
        self.assertContains(response, "Who had not reported on 20/11/2021")
        self.login(self.province_admin)
        self.assertEqual(
            [o.code for o in self.client.get(url, {"day": "04/11/2021"}).context["organizations"]],
            ["bl-lab", "bl-thuysan-1"],
        )
        self.assertContains(self.client.get(url), "Who has not reported today")
        self.assert_refused(url, [None, self.outsider])
