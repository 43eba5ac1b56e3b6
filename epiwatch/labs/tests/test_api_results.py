"""POST /api/v1/results (a batch, a status per item) and GET /api/v1/results?modified_after= (incremental sync):
token auth, the acting organization, bad input, scope, constant queries per page, the OpenAPI schema."""

import datetime as dt
import json

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from epiwatch.accounts.models import Membership, Role
from epiwatch.labs.models import ImportBatch, TestResult
from epiwatch.labs.tests.base import row, submit_as
from epiwatch.labs.tests.web import ResultsWebTestCase
from epiwatch.people.models import Person

URL = reverse("api-results")


def new_person(**values):
    return row(
        national_id="095301000777",
        full_name="Phạm Thu Hà",
        sex="F",
        date_of_birth="2001-12-12",
        commune_code="31816",
        **values,
    )


class PostTests(ResultsWebTestCase):
    def post(self, body, user=None, raw=False):
        headers = self.bearer(user or self.lab)
        data = body if raw else json.dumps(body)
        return self.client.post(URL, data, content_type="application/json", headers=headers)

    def test_a_batch_is_answered_item_by_item_and_only_the_valid_items_are_stored(self):
        body = {
            "results": [
                row(
                    external_id="S1",
                    result="dương tính",
                    ct_value=24.5,
                    sampled_at="2021-11-02T07:30:00+07:00",
                ),
                new_person(external_id="S2", test_type="test nhanh", result="AT", resulted_at=""),
                row(external_id="S3", national_id="123"),
                {"external_id": "S4", "test_type": "rt_pcr"},
                "S5",
                row(
                    external_id="S1",
                    result="dương tính",
                    ct_value=24.5,
                    sampled_at="2021-11-02T07:30:00+07:00",
                ),
                row(external_id="S6", full_name="Nguyễn Văn Đức", date_of_birth="05/05/1990"),
            ]
        }
        response = self.post(body)
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(
            (data["accepted"], data["review"], data["duplicates"], data["rejected"]), (2, 1, 1, 3)
        )
        items = data["items"]
        self.assertEqual(
            [(i["number"], i["external_id"], i["status"]) for i in items],
            [
                (1, "S1", "accepted"),
                (2, "S2", "accepted"),
                (3, "S3", "rejected"),
                (4, "S4", "rejected"),
                (5, "", "rejected"),
                (6, "S1", "duplicate"),
                (7, "S6", "review"),
            ],
        )
        self.assertEqual(
            items[2]["errors"],
            [
                {
                    "field": "national_id",
                    "message": "national ID '123' has 3 digits; a CCCD has 12 and a CMND 9",
                }
            ],
        )
        self.assertEqual(
            {e["field"] for e in items[3]["errors"]}, {"full_name", "date_of_birth", "sampled_at", "result"}
        )
        self.assertIn({"field": "full_name", "message": "a value is required"}, items[3]["errors"])
        self.assertEqual(
            items[4]["errors"], [{"field": None, "message": "item 5 is not an object (got str)"}]
        )
        self.assertEqual(items[5]["result_id"], items[0]["result_id"])
        self.assertEqual(
            items[6]["errors"],
            [{"field": None, "message": "date_of_birth differs from the registry (01/02/1990)"}],
        )
        stored = TestResult.objects.order_by("external_id")
        self.assertEqual(
            [(r.external_id, r.result, str(r.public_id)) for r in stored],
            [
                ("S1", "positive", items[0]["result_id"]),
                ("S2", "negative", items[1]["result_id"]),
                ("S6", "negative", items[6]["result_id"]),
            ],
        )
        self.assertEqual(items[1]["person_id"], str(Person.objects.get(national_id="095301000777").public_id))
        batch = ImportBatch.objects.get()
        self.assertEqual(
            (
                batch.source,
                batch.organization,
                batch.uploaded_by,
                batch.status,
                batch.rows_total,
                batch.accepted,
                batch.rejected,
                batch.duplicates,
            ),
            ("api", self.lab_org, self.lab, "done", 7, 3, 3, 1),
        )
        self.assertEqual(set(TestResult.objects.values_list("batch", flat=True)), {batch.pk})

    def test_the_same_batch_twice_is_all_duplicates_the_second_time(self):
        body = [
            row(external_id="S1"),
            new_person(external_id="S2"),
            row(test_type="antigen", result="negative", sampled_at="03/11/2021 07:00", resulted_at=""),
        ]
        first = self.post(body).json()
        second = self.post(body).json()
        self.assertEqual([i["status"] for i in first["items"]], ["accepted"] * 3)
        self.assertEqual([i["status"] for i in second["items"]], ["duplicate"] * 3)
        self.assertEqual([i["result_id"] for i in first["items"]], [i["result_id"] for i in second["items"]])
        self.assertEqual(TestResult.objects.count(), 3)
        self.assertEqual(Person.objects.filter(national_id="095301000777").count(), 1)

    def test_a_conflicting_duplicate_is_rejected_with_the_reason(self):
        self.post([row(external_id="S1", result="positive")])
        data = self.post([row(external_id="S1", result="negative")]).json()
        self.assertEqual(
            data["items"][0]["errors"],
            [
                {
                    "field": "external_id",
                    "message": "conflicts with the result already stored (positive, 02/11/2021)",
                }
            ],
        )
        self.assertEqual(TestResult.objects.get().result, "positive")

    def test_more_than_10000_results_are_refused_whole(self):
        body = [row(external_id=f"S{i}") for i in range(10_001)]
        response = self.post(body)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(
            response.json(),
            {
                "error": "At most 10,000 results per request; 10,001 were sent. Split the batch.",
                "details": [],
            },
        )
        self.assertFalse(TestResult.objects.exists())
        self.assertFalse(ImportBatch.objects.exists())

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2000)
    def test_a_body_above_the_size_limit_is_refused(self):
        response = self.post([row(external_id=f"S{i}") for i in range(20)])
        self.assertEqual(response.status_code, 413)
        self.assertIn("send fewer results per request", response.json()["error"])
        self.assertFalse(TestResult.objects.exists())

    def test_malformed_bodies_are_refused_with_a_clear_error(self):
        response = self.post('{"results": [', raw=True)
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.json()["error"].startswith("JSON parse error"))
        for body, message in [
            ({"results": "S1"}, "Expected a list of results."),
            ({"organization": "bl-lab"}, "Expected a list of results."),
            ([], "Give at least one result."),
            ("just text", "Expected an object with a list of results, or the list itself."),
        ]:
            response = self.post(body)
            self.assertEqual(response.status_code, 400, body)
            self.assertEqual(
                response.json(),
                {"error": "Invalid request", "details": [{"field": "results", "message": message}]},
            )
        self.assertFalse(TestResult.objects.exists())

    def test_without_a_valid_token_it_is_401(self):
        response = self.client.post(URL, json.dumps([row()]), content_type="application/json")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"], "Authentication credentials were not provided.")
        response = self.client.post(
            URL, "[]", content_type="application/json", headers={"Authorization": "Bearer nope"}
        )
        self.assertEqual((response.status_code, response.json()["error"]), (401, "Invalid or revoked token"))
        self.assertEqual(self.client.get(URL).status_code, 401)

    def test_the_acting_organization_is_the_users_or_one_it_writes_for(self):
        response = self.post({"organization": "bl-lab", "results": [row()]}, user=self.commune)
        self.assertEqual(
            (response.status_code, response.json()["error"]),
            (403, "You are not a member of an organization 'bl-lab'."),
        )
        response = self.post({"organization": "bl-cdc", "results": [row()]}, user=self.province_analyst)
        self.assertEqual(
            (response.status_code, response.json()["error"]),
            (403, "Your role at 'bl-cdc' may not submit results."),
        )
        response = self.post([row()], user=self.province_analyst)
        self.assertEqual(
            (response.status_code, response.json()["error"]), (403, "Your role may not submit results.")
        )
        self.assertEqual(self.post([row()], user=self.outsider).status_code, 403)
        Membership.objects.create(user=self.lab, organization=self.commune_org, role=Role.DATA_ENTRY)
        response = self.post([row()])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["details"][0]["field"], "organization")
        self.assertEqual(self.post({"organization": "bl-tyt-31813", "results": [row()]}).status_code, 200)
        self.assertEqual(TestResult.objects.get().submitter, self.commune_org)

    def test_a_school_submits_only_for_its_roster(self):
        data = self.post(
            [
                row(
                    national_id="", full_name="Lê Minh Khoa", date_of_birth="05/05/2006", commune_code="31816"
                ),
                row(),
            ],
            user=self.school,
        ).json()
        self.assertEqual([i["status"] for i in data["items"]], ["accepted", "rejected"])
        self.assertEqual(
            data["items"][1]["errors"],
            [{"field": None, "message": "Nguyễn Văn Đức is not on the roster of THPT Bạc Liêu"}],
        )
        self.assertEqual(TestResult.objects.get().person, self.student)


class SyncTests(ResultsWebTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        submit_as(
            cls.lab_org,
            [
                row(external_id=f"L{i:02}", sampled_at=f"{1 + i % 9:02}/11/2021 07:00", resulted_at="")
                for i in range(25)
            ],
        )
        submit_as(
            cls.commune_org,
            [
                row(
                    external_id="C1",
                    test_type="antigen",
                    result="positive",
                    sampled_at="10/11/2021 07:00",
                    resulted_at="",
                )
            ],
        )
        submit_as(
            cls.enterprise_org,
            [
                row(
                    national_id="095185004321",
                    full_name="Lê Thị Hồng",
                    sex="F",
                    date_of_birth="09/04/1985",
                    commune_code="31816",
                    external_id="E1",
                    test_type="antigen",
                    resulted_at="",
                )
            ],
        )

    def get(self, user, headers=None, **params):
        response = self.client.get(URL, params, headers=headers or self.bearer(user))
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def read_all(self, user, **params) -> list[dict]:
        headers = self.bearer(user)
        data = self.get(user, headers, **params)
        results = data["results"]
        while data["next"]:
            response = self.client.get(data["next"], headers=headers)
            data = response.json()
            results += data["results"]
        return results

    def test_it_reads_everything_in_modification_order_page_by_page(self):
        results = self.read_all(self.province_admin, limit=10)
        self.assertEqual(len(results), 27)
        self.assertEqual(len({r["id"] for r in results}), 27)
        stored = list(TestResult.objects.order_by("modified_at", "pk").values_list("public_id", flat=True))
        self.assertEqual([r["id"] for r in results], [str(p) for p in stored])
        first = results[0]
        self.assertEqual(
            {
                k: first[k]
                for k in (
                    "external_id",
                    "national_id",
                    "full_name",
                    "date_of_birth",
                    "commune_code",
                    "test_type",
                    "result",
                    "submitter",
                    "area_code",
                )
            },
            {
                "external_id": "L00",
                "national_id": "095090001234",
                "full_name": "Nguyễn Văn Đức",
                "date_of_birth": "1990-02-01",
                "commune_code": "31813",
                "test_type": "rt_pcr",
                "result": "negative",
                "submitter": "bl-lab",
                "area_code": "31813",
            },
        )
        self.assertEqual(first["sampled_at"], "2021-11-01T07:00:00+07:00")
        self.assertNotIn("pk", json.dumps(results))

    def test_modified_after_returns_what_changed_since_including_amendments(self):
        everything = self.read_all(self.lab)
        mark = everything[-1]["modified_at"]
        self.assertEqual(self.get(self.lab, modified_after=mark)["results"], [])
        from epiwatch.labs.amendments import amend

        amended = TestResult.objects.get(external_id="L05")
        amend(amended, result="positive", reason_text="lab re-read", user=self.lab)
        changed = self.get(self.lab, modified_after=mark)["results"]
        self.assertEqual(
            [(r["external_id"], r["result"], r["amendment_reason"]) for r in changed],
            [("L05", "positive", "lab re-read")],
        )
        # an unencoded "+" in the offset arrives as a space, and is read as meant
        local = dt.datetime.fromisoformat(mark).astimezone(dt.timezone(dt.timedelta(hours=7))).isoformat()
        self.assertEqual(len(self.get(self.lab, modified_after=local.replace("+", " "))["results"]), 1)

    def test_each_user_syncs_what_it_may_see(self):
        def ids(user):
            return sorted(r["external_id"] for r in self.read_all(user, limit=1000))

        self.assertEqual(len(ids(self.lab)), 25)
        self.assertEqual(ids(self.enterprise), ["E1"])
        self.assertEqual(len(ids(self.commune)), 26)  # its residents' results (all Đức's) and its own
        self.assertEqual(ids(self.district_b), [])
        self.assertEqual(ids(self.school), [])
        self.assertEqual(ids(self.other_province_user), [])
        self.assertEqual(ids(self.outsider), [])
        self.assertEqual(len(ids(self.district_a)), 27)

    def test_the_number_of_queries_per_page_does_not_grow_with_the_page(self):
        def queries(limit, cursor=None):
            headers = self.bearer(self.province_admin)
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            with CaptureQueriesContext(connection) as captured:
                data = self.client.get(URL, params, headers=headers).json()
            return len(captured), data

        small, page = queries(2)
        large, _ = queries(20)
        self.assertEqual(small, large)
        after_small, _ = queries(2, page["cursor"])
        after_large, _ = queries(20, page["cursor"])
        self.assertEqual(after_small, after_large)
        self.assertEqual(after_small, small + 1)  # the cursor's row

    def test_bad_parameters_are_refused_with_a_message(self):
        headers = self.bearer(self.lab)
        for params, field in [
            ({"modified_after": "yesterday"}, "modified_after"),
            ({"cursor": "1234"}, "cursor"),
            ({"limit": "0"}, "limit"),
            ({"limit": "many"}, "limit"),
        ]:
            response = self.client.get(URL, params, headers=headers)
            self.assertEqual(response.status_code, 400, params)
            self.assertEqual(response.json()["details"][0]["field"], field)

    def test_both_methods_are_in_the_openapi_schema(self):
        self.login(self.lab)
        schema = self.client.get(reverse("openapi"), {"format": "json"}).json()
        operations = schema["paths"]["/api/v1/results"]
        self.assertEqual(set(operations) & {"get", "post"}, {"get", "post"})
        self.assertIn("Submit results", operations["post"]["description"])
        self.assertIn("modified_after", [p["name"] for p in operations["get"]["parameters"]])
        components = schema["components"]["schemas"]
        self.assertIn("sampled_at", components["ResultIn"]["properties"])
        status = components["ResultItemOut"]["properties"]["status"]["allOf"][0]["$ref"].rsplit("/", 1)[1]
        self.assertEqual(sorted(components[status]["enum"]), ["accepted", "duplicate", "rejected", "review"])
        self.assertIn("bearerAuth", json.dumps(operations["post"]["security"]))
