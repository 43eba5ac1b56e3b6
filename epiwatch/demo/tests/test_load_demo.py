"""`epiwatch load_demo`: Bạc Liêu on 2021-11-04, its logins, and that a second run changes nothing."""

import io
import os
from decimal import Decimal
from unittest import mock

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404
from django.test import TestCase

from epiwatch.accounts import access
from epiwatch.accounts.models import AuditEvent, Membership, Organization, OrgKind, Role
from epiwatch.demo.models import GeneratorRun
from epiwatch.demo.organizations import DEMO_USERS
from epiwatch.geo.models import Area, AreaKind, Population, VillageKind
from epiwatch.people.models import Person, RosterEntry

PASSWORD = "demo-epiwatch-2021"
SCALE = "0.002"  # about 1,800 people: fast


def load_demo(*args, **env):
    out = io.StringIO()
    with mock.patch.dict(os.environ, env):
        call_command("load_demo", "--scale", SCALE, *args, stdout=out)
    return out.getvalue()


def counts():
    return {
        "areas": Area.objects.count(),
        "populations": Population.objects.count(),
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "people": Person.objects.count(),
        "roster": RosterEntry.objects.count(),
        "runs": GeneratorRun.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


class LoadDemoTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = load_demo()
        cls.province = Area.objects.get(dataset="vn-2021", code="95")

    def test_it_loads_bac_lieu_with_its_7_districts_and_64_communes(self):
        subtree = Area.objects.subtree(self.province)
        self.assertEqual(self.province.name, "Tỉnh Bạc Liêu")
        self.assertEqual(subtree.of_kind(AreaKind.DISTRICT).count(), 7)
        self.assertEqual(subtree.of_kind(AreaKind.COMMUNE).count(), 64)
        self.assertIn("Thị xã Giá Rai", subtree.of_kind(AreaKind.DISTRICT).values_list("name", flat=True))
        # nothing of another province
        self.assertEqual(Area.objects.exclude(path__startswith="95").count(), 0)

    def test_it_adds_3_to_8_villages_per_commune_khom_in_towns_ap_in_rural_communes(self):
        for commune in Area.objects.subtree(self.province).of_kind(AreaKind.COMMUNE):
            names = list(commune.children.values_list("name", flat=True))
            self.assertTrue(3 <= len(names) <= 8, f"{commune.name}: {names}")
            self.assertEqual(len(set(names)), len(names), f"{commune.name} has two villages of one name")
            urban = commune.name.startswith(("Phường", "Thị trấn"))
            word, kind = ("Khóm ", VillageKind.KHOM) if urban else ("Ấp ", VillageKind.AP)
            self.assertTrue(all(n.startswith(word) for n in names), f"{commune.name}: {names}")
            self.assertEqual(set(commune.children.values_list("village_kind", flat=True)), {kind})
        village = Area.objects.get(dataset="vn-2021", code="31813-01")
        self.assertEqual(village.kind, AreaKind.VILLAGE)
        self.assertEqual(village.path, "95/954/31813/31813-01")
        self.assertEqual(village.name, "Khóm 1")

    def test_it_loads_the_2021_population_of_every_commune(self):
        rows = Population.objects.filter(year=2021)
        self.assertEqual(rows.count(), 64)
        self.assertEqual(set(rows.values_list("area__kind", flat=True)), {AreaKind.COMMUNE})
        total = sum(r.total for r in rows)
        self.assertLessEqual(abs(total - 900_000), 9_000)
        for r in rows:
            self.assertEqual(r.age_0_4 + r.age_5_17 + r.age_18_64 + r.age_65_plus, r.total)
        adults = sum(r.adults for r in rows)
        self.assertAlmostEqual(490_121 / adults, 0.75, delta=0.01)

    def test_it_creates_the_organizations_of_the_province(self):
        orgs = Organization.objects.all()
        by_kind = {kind: orgs.filter(kind=kind) for kind in OrgKind.values}
        self.assertEqual(by_kind[OrgKind.DISTRICT_CENTRE].count(), 7)
        self.assertEqual(by_kind[OrgKind.COMMUNE_STATION].count(), 64)
        self.assertEqual(by_kind[OrgKind.HEALTH_DEPARTMENT].get().code, "bl-soyte")
        self.assertEqual(by_kind[OrgKind.CDC].get().code, "bl-cdc")
        self.assertEqual(by_kind[OrgKind.LAB].count(), 2)
        self.assertEqual(by_kind[OrgKind.QUARANTINE_FACILITY].count(), 1)
        self.assertEqual(
            set(by_kind[OrgKind.HOSPITAL].values_list("code", flat=True)), {"bl-bvdk", "bl-bvdc-1"}
        )
        self.assertTrue(4 <= by_kind[OrgKind.SCHOOL].count() <= 5)
        # the seafood factories of the report: Giá Rai, TP Bạc Liêu and Đông Hải
        districts = {o.area.path.split("/")[1] for o in by_kind[OrgKind.ENTERPRISE]}
        self.assertEqual(districts, {"959", "954", "960"})
        school = Organization.objects.get(name="Trường THPT Bạc Liêu")
        self.assertTrue(school.area.path.startswith("95/954/"))
        station = Organization.objects.get(code="bl-tyt-31813")
        self.assertEqual((station.kind, station.area.code), (OrgKind.COMMUNE_STATION, "31813"))
        self.assertEqual(Organization.objects.get(code="bl-ttyt-954").area.code, "954")
        # the two "Phường 1" stations can be told apart
        names = list(by_kind[OrgKind.COMMUNE_STATION].values_list("name", flat=True))
        self.assertEqual(len(set(names)), 64)

    def test_it_creates_one_demo_user_per_role_and_scope(self):
        self.assertEqual(
            set(Membership.objects.filter(user__username__startswith="demo-").values_list("role", flat=True)),
            set(Role.values),
        )
        for spec in DEMO_USERS:
            user = User.objects.get(username=spec.username)
            memberships = list(user.memberships.values_list("organization__code", "role"))
            expected = [(spec.organization, spec.role)] if spec.organization else []
            self.assertEqual(memberships, expected, spec.username)
            self.assertTrue(user.check_password(PASSWORD))
            self.assertFalse(user.is_staff or user.is_superuser)

    def test_it_prints_the_logins_and_a_summary_line(self):
        lines = self.output.splitlines()
        for spec in DEMO_USERS:
            row = next(line for line in lines if line.strip().startswith(spec.username + " "))
            self.assertIn(f" {PASSWORD} ", row)
            self.assertIn(f" {spec.role or '-'} ", row)
        self.assertIn("Trạm Y tế Phường 2 (bl-tyt-31813)", self.output)
        self.assertIn("everything in Thành phố Bạc Liêu", self.output)
        self.assertIn("nothing (no membership)", self.output)
        last = self.output.strip().splitlines()[-1]
        self.assertTrue(last.startswith("load_demo: Bạc Liêu — 7 districts, 64 communes"), last)
        self.assertRegex(last, r"population 9\d\d,\d{3}")
        self.assertRegex(last, r"people seed 20211104 scale 0.002: households 1,\d{3}")
        self.assertRegex(last, r"; \d+\.\d s$")

    def test_it_makes_the_people_with_the_demo_seed_and_scale(self):
        self.assertTrue(1_700 <= Person.objects.count() <= 1_900)
        self.assertEqual(
            set(GeneratorRun.objects.values_list("seed", "scale", "step")),
            {(20211104, Decimal(SCALE), "households"), (20211104, Decimal(SCALE), "rosters")},
        )

    def test_it_changes_nothing_when_run_twice(self):
        before = counts()
        hashes = dict(User.objects.values_list("username", "password"))
        names = dict(Organization.objects.values_list("code", "name"))
        output = load_demo()
        self.assertEqual(counts(), before)
        self.assertEqual(dict(User.objects.values_list("username", "password")), hashes)
        self.assertEqual(dict(Organization.objects.values_list("code", "name")), names)
        self.assertIn("nothing new", output.strip().splitlines()[-1])

    def test_it_puts_back_what_was_changed_in_the_demo(self):
        Organization.objects.filter(code="bl-cdc").update(name="renamed", is_active=False)
        Population.objects.filter(area__code="31813").update(
            total=10, age_0_4=10, age_5_17=0, age_18_64=0, age_65_plus=0
        )
        Area.objects.filter(code="31813-01").update(name="Khóm 99")
        Area.objects.filter(code="31813-02").update(valid_to="2021-10-01")
        commune_user = User.objects.get(username="demo-commune")
        Membership.objects.filter(user=commune_user).update(role=Role.VIEWER)
        load_demo()
        self.assertEqual(
            Organization.objects.get(code="bl-cdc").name, "Trung tâm Kiểm soát bệnh tật tỉnh Bạc Liêu"
        )
        self.assertTrue(Organization.objects.get(code="bl-cdc").is_active)
        self.assertGreater(Population.objects.get(area__code="31813").total, 5_000)
        self.assertEqual(Area.objects.get(code="31813-01").name, "Khóm 1")
        self.assertIsNone(Area.objects.get(code="31813-02").valid_to)
        self.assertEqual(list(commune_user.memberships.values_list("role", flat=True)), [Role.DATA_ENTRY])

    def test_it_takes_the_password_from_demo_password(self):
        load_demo(DEMO_PASSWORD="another-long-passphrase-21")
        self.assertTrue(User.objects.get(username="demo-lab").check_password("another-long-passphrase-21"))

    def test_it_refuses_a_demo_password_the_validators_refuse_and_changes_nothing(self):
        before = counts()
        with self.assertRaisesMessage(CommandError, "DEMO_PASSWORD is refused by the password validators"):
            load_demo(DEMO_PASSWORD="12345")
        self.assertEqual(counts(), before)
        self.assertTrue(User.objects.get(username="demo-lab").check_password(PASSWORD))


class DemoUsersTestCase(TestCase):
    """Every demo user signs in with the demo password and sees only their own scope."""

    @classmethod
    def setUpTestData(cls):
        load_demo("--no-people")
        cls.province = Area.objects.get(dataset="vn-2021", code="95")
        cls.city = Area.objects.get(dataset="vn-2021", code="954")
        cls.gia_rai = Area.objects.get(dataset="vn-2021", code="959")

    def user(self, username):
        return User.objects.get(username=username)

    def test_every_demo_user_signs_in_and_sees_their_organization_on_the_home_page(self):
        for spec in DEMO_USERS:
            self.client.logout()
            response = self.client.post("/login/", {"username": spec.username, "password": PASSWORD})
            self.assertEqual(response.status_code, 302, spec.username)
            home = self.client.get("/")
            self.assertEqual(home.status_code, 200, spec.username)
            if spec.organization:
                org = Organization.objects.get(code=spec.organization)
                self.assertContains(home, org.name)
                self.assertContains(home, org.code)
            else:
                self.assertNotContains(home, "bl-")

    def test_a_wrong_password_does_not_sign_in(self):
        response = self.client.post("/login/", {"username": "demo-district", "password": "not-the-password"})
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_province_users_see_every_area_of_the_province(self):
        every = Area.objects.subtree(self.province).count()
        for username in ("demo-province-admin", "demo-province-analyst"):
            self.assertEqual(access.visible(Area, self.user(username)).count(), every, username)

    def test_the_district_user_sees_only_their_district(self):
        visible = access.visible(Area, self.user("demo-district"))
        self.assertEqual(visible.count(), Area.objects.subtree(self.city).count())
        self.assertFalse(visible.filter(path__startswith="95/959").exists())
        self.assertFalse(visible.filter(pk=self.province.pk).exists())
        gia_rai_commune = Area.objects.get(dataset="vn-2021", code="31951")
        with self.assertRaises(Http404):
            access.get_for_user(Area, self.user("demo-district"), pk=gia_rai_commune.pk)

    def test_the_district_user_gets_404_on_another_districts_area_pages(self):
        self.client.post("/login/", {"username": "demo-district", "password": PASSWORD})
        own = self.client.get("/areas/vn-2021/954/")
        self.assertEqual(own.status_code, 200)
        self.assertContains(own, "Phường Nhà Mát")
        for code in ("959", "31951", "31951-01", "95"):
            self.assertEqual(self.client.get(f"/areas/vn-2021/{code}/").status_code, 404, code)

    def test_the_province_admin_sees_every_district_on_the_province_page(self):
        self.client.post("/login/", {"username": "demo-province-admin", "password": PASSWORD})
        response = self.client.get("/areas/vn-2021/95/")
        self.assertEqual(response.status_code, 200)
        for district in Area.objects.filter(parent=self.province):
            self.assertContains(response, district.name)

    def test_the_viewer_sees_gia_rai_and_may_not_write(self):
        viewer = self.user("demo-viewer")
        self.assertEqual(access.visible(Area, viewer).count(), Area.objects.subtree(self.gia_rai).count())
        scope = access.scope_for(viewer)
        self.assertEqual(scope.write_areas, ())
        self.assertEqual(scope.write_org_ids, ())

    def test_the_commune_user_sees_only_their_ward_and_its_villages(self):
        visible = access.visible(Area, self.user("demo-commune"))
        self.assertEqual(set(visible.values_list("code", flat=True)) - {"31813"}, {
            code for code in Area.objects.filter(parent__code="31813").values_list("code", flat=True)
        })  # fmt: skip

    def test_roster_and_submitter_organizations_see_only_where_they_are(self):
        for username in ("demo-school", "demo-enterprise", "demo-lab", "demo-clinician"):
            user = self.user(username)
            own = user.memberships.get().organization
            self.assertEqual(list(access.visible(Area, user)), [own.area], username)
            self.assertEqual(list(access.visible(Organization, user)), [own], username)

    def test_the_outsider_sees_nothing(self):
        outsider = self.user("demo-outsider")
        self.assertEqual(access.visible(Area, outsider).count(), 0)
        self.assertEqual(access.visible(Organization, outsider).count(), 0)


class LoadDemoDryRunTestCase(TestCase):
    def test_a_dry_run_saves_nothing(self):
        output = load_demo("--dry-run")
        self.assertIn("dry run, nothing saved", output)
        self.assertEqual(set(counts().values()), {0})
