"""Villages: province administrators add, rename and retire them from the commune's page; nobody else may."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.urls import reverse

from epiwatch.geo.models import Area, AreaKind
from epiwatch.geo.tests.base import EnglishTestCase

EVERYONE_ELSE = (
    "province_analyst",
    "district_a",
    "district_b",
    "commune",
    "school",
    "enterprise",
    "lab",
    "outsider",
)


class VillageTests(EnglishTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.khom_1 = cls.commune_a1.add_village("Khóm 1", code="01", village_kind="khom")
        cls.create_url = reverse("village-create", args=["vn-2021", "31813"])
        cls.edit_url = reverse("village-edit", args=["vn-2021", "31813-01"])

    def others(self):
        return [getattr(self, name) for name in EVERYONE_ELSE] + [self.other_province_user, None]

    def villages(self, commune=None) -> list[tuple[str, str, str]]:
        commune = commune or self.commune_a1
        return list(Area.objects.filter(parent=commune).values_list("code", "name", "village_kind"))

    def test_it_adds_a_village_under_the_commune(self):
        self.login(self.province_admin)
        self.assertEqual(self.client.get(self.create_url).status_code, 200)
        response = self.client.post(
            self.create_url, {"name": "  Khóm   3 ", "code": "03", "village_kind": "khom"}
        )
        self.assertRedirects(response, "/areas/vn-2021/31813/", fetch_redirect_response=False)
        village = Area.objects.get(code="31813-03")
        self.assertEqual(
            (village.name, village.kind, village.village_kind, village.path, village.parent),
            ("Khóm 3", AreaKind.VILLAGE, "khom", "95/954/31813/31813-03", self.commune_a1),
        )
        page = self.client.get("/areas/vn-2021/31813/")
        self.assertContains(page, "Khóm 3")
        self.assertContains(page, "Village Khóm 3 added.")

    def test_it_numbers_a_village_given_no_code(self):
        self.login(self.province_admin)
        self.client.post(self.create_url, {"name": "Ấp Giồng Giữa", "village_kind": "ap"})
        self.client.post(self.create_url, {"name": "Ấp Nhà Thờ", "village_kind": "ap"})
        self.assertEqual(
            self.villages(),
            [
                ("31813-01", "Khóm 1", "khom"),
                ("31813-02", "Ấp Giồng Giữa", "ap"),
                ("31813-03", "Ấp Nhà Thờ", "ap"),
            ],
        )

    def test_it_refuses_a_taken_code_a_bad_code_and_a_missing_name(self):
        self.login(self.province_admin)
        taken = self.client.post(self.create_url, {"name": "Khóm Một", "code": "01"})
        self.assertEqual(taken.status_code, 200)
        self.assertFormError(taken.context["form"], "code", "The code 31813-01 is already used.")
        bad = self.client.post(self.create_url, {"name": "Khóm 9", "code": "9/9"})
        self.assertFormError(
            bad.context["form"],
            "code",
            "A village code may only contain letters, digits and dashes (e.g. 01).",
        )
        nameless = self.client.post(self.create_url, {"name": "   ", "code": "09"})
        self.assertFormError(nameless.context["form"], "name", "This field is required.")
        self.assertEqual(self.villages(), [("31813-01", "Khóm 1", "khom")])

    def test_it_adds_villages_only_under_a_commune(self):
        self.login(self.province_admin)
        district_url = reverse("village-create", args=["vn-2021", "954"])
        self.assertEqual(self.client.post(district_url, {"name": "Khóm 1"}).status_code, 404)
        village_url = reverse("village-create", args=["vn-2021", "31813-01"])
        self.assertEqual(self.client.post(village_url, {"name": "Tổ 1"}).status_code, 404)
        self.assertEqual(Area.objects.of_kind(AreaKind.VILLAGE).count(), 1)
        with self.assertRaises(ValidationError):
            self.district_a_area.add_village("Khóm 1")

    def test_it_renames_and_retires_a_village(self):
        self.login(self.province_admin)
        self.assertContains(self.client.get(self.edit_url), "Khóm 1")
        response = self.client.post(
            self.edit_url, {"name": "Khóm Một", "village_kind": "khom", "retired": "on"}
        )
        self.assertRedirects(response, "/areas/vn-2021/31813/", fetch_redirect_response=False)
        village = Area.objects.get(code="31813-01")
        self.assertEqual(village.name, "Khóm Một")
        self.assertTrue(village.is_retired())
        self.assertEqual(list(Area.objects.filter(parent=self.commune_a1).current()), [])
        self.assertContains(self.client.get("/areas/vn-2021/31813/"), "retired")
        # and back
        self.client.post(self.edit_url, {"name": "Khóm Một", "village_kind": "khom"})
        village.refresh_from_db()
        self.assertIsNone(village.valid_to)

    def test_it_keeps_the_first_retirement_day(self):
        Area.objects.filter(pk=self.khom_1.pk).update(valid_to=dt.date(2021, 11, 1))
        self.login(self.province_admin)
        self.client.post(self.edit_url, {"name": "Khóm 1 cũ", "village_kind": "khom", "retired": "on"})
        self.assertEqual(Area.objects.get(pk=self.khom_1.pk).valid_to, dt.date(2021, 11, 1))

    def test_it_refuses_a_blank_name_on_rename(self):
        self.login(self.province_admin)
        response = self.client.post(self.edit_url, {"name": " ", "village_kind": "khom"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["name"])
        self.assertEqual(Area.objects.get(pk=self.khom_1.pk).name, "Khóm 1")

    def test_it_edits_only_villages(self):
        self.login(self.province_admin)
        commune_as_village = reverse("village-edit", args=["vn-2021", "31813"])
        self.assertEqual(self.client.post(commune_as_village, {"name": "X"}).status_code, 404)
        self.assertEqual(Area.objects.get(pk=self.commune_a1.pk).name, "Phường 7")

    def test_it_shows_the_village_tools_to_province_admins_only(self):
        self.login(self.province_admin)
        page = self.client.get("/areas/vn-2021/31813/")
        self.assertContains(page, f'href="{self.create_url}"')
        self.assertContains(page, f'href="{self.edit_url}"')
        self.assertContains(page, "epiwatch import villages")
        for user in (self.district_a, self.commune, self.province_analyst):
            self.login(user)
            page = self.client.get("/areas/vn-2021/31813/")
            self.assertContains(page, "Khóm 1")
            self.assertNotContains(page, self.create_url)
            self.assertNotContains(page, self.edit_url)

    def test_it_refuses_everyone_else(self):
        for method in ("get", "post"):
            data = {"name": "Khóm 7", "code": "07"} if method == "post" else None
            self.assert_refused(self.create_url, self.others(), method=method, data=data)
            self.assert_refused(self.edit_url, self.others(), method=method, data={"name": "Khóm X"})
        # readers of the commune are forbidden, the others are not told it exists
        self.assert_refused(
            self.create_url, [self.district_a, self.commune, self.province_analyst], statuses=(403,)
        )
        self.assert_refused(
            self.create_url, [self.district_b, self.outsider, self.other_province_user], statuses=(404,)
        )
        self.assertEqual(self.villages(), [("31813-01", "Khóm 1", "khom")])

    def test_it_refuses_the_admin_of_another_province(self):
        self.login(self.other_province_user)
        self.assertEqual(self.client.post(self.create_url, {"name": "Khóm 7"}).status_code, 404)
        qn_url = reverse("village-create", args=["vn-2021", "06757"])
        self.assertEqual(self.client.post(qn_url, {"name": "Khu 1", "village_kind": "khu"}).status_code, 302)
        self.assertEqual(self.villages(self.other_commune), [("06757-01", "Khu 1", "khu")])
