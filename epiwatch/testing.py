"""Shared test fixtures: a small province with named users who have different rights.

province_admin    admin of the provincial health department (sees and manages the province)
province_analyst  analyst at the provincial CDC (sees the province, read-only)
district_a        data entry at district centre A (TP Bạc Liêu)
district_b        data entry at district centre B (Hồng Dân)
commune           data entry at commune station A1 (a commune of district A)
school            data entry at a school in commune A1 (sees its roster only)
enterprise        data entry at a seafood factory in commune A2 (sees its roster only)
lab               lab technician at the provincial lab (sees what it submitted)
outsider          a signed-in user with no membership
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import TestCase

from epiwatch.accounts.models import Membership, Organization, OrgKind, Role
from epiwatch.geo.models import Area, AreaKind


def make_area(code: str, name: str, kind: str, parent: Area | None = None, dataset: str = "vn-2021") -> Area:
    path = f"{parent.path}/{code}" if parent else code
    return Area.objects.create(dataset=dataset, code=code, name=name, kind=kind, parent=parent, path=path)


def make_user(username: str, org: Organization | None = None, role: str = Role.DATA_ENTRY) -> User:
    user = User.objects.create_user(username=username, password="password-" + username)
    if org is not None:
        Membership.objects.create(user=user, organization=org, role=role)
    return user


class BaseTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.province = make_area("95", "Tỉnh Bạc Liêu", AreaKind.PROVINCE)
        cls.district_a_area = make_area("954", "Thành phố Bạc Liêu", AreaKind.DISTRICT, cls.province)
        cls.district_b_area = make_area("956", "Huyện Hồng Dân", AreaKind.DISTRICT, cls.province)
        cls.commune_a1 = make_area("31813", "Phường 7", AreaKind.COMMUNE, cls.district_a_area)
        cls.commune_a2 = make_area("31816", "Phường 8", AreaKind.COMMUNE, cls.district_a_area)
        cls.commune_b1 = make_area("31840", "Thị trấn Ngan Dừa", AreaKind.COMMUNE, cls.district_b_area)
        cls.other_province = make_area("22", "Tỉnh Quảng Ninh", AreaKind.PROVINCE)
        cls.other_district = make_area("195", "Huyện Hải Hà", AreaKind.DISTRICT, cls.other_province)
        cls.other_commune = make_area("06757", "Thị trấn Quảng Hà", AreaKind.COMMUNE, cls.other_district)

        def org(code, kind, area, name=None):
            return Organization.objects.create(code=code, name=name or code, kind=kind, area=area)

        cls.health_dept = org("bl-soyte", OrgKind.HEALTH_DEPARTMENT, cls.province, "Sở Y tế Bạc Liêu")
        cls.cdc = org("bl-cdc", OrgKind.CDC, cls.province, "CDC Bạc Liêu")
        cls.district_a_org = org("bl-ttyt-954", OrgKind.DISTRICT_CENTRE, cls.district_a_area)
        cls.district_b_org = org("bl-ttyt-956", OrgKind.DISTRICT_CENTRE, cls.district_b_area)
        cls.commune_org = org("bl-tyt-31813", OrgKind.COMMUNE_STATION, cls.commune_a1)
        cls.school_org = org("bl-thpt-1", OrgKind.SCHOOL, cls.commune_a1, "THPT Bạc Liêu")
        cls.enterprise_org = org("bl-thuysan-1", OrgKind.ENTERPRISE, cls.commune_a2, "Nhà máy thủy sản 1")
        cls.lab_org = org("bl-lab", OrgKind.LAB, cls.province, "Phòng xét nghiệm CDC")
        cls.other_province_org = org("qn-cdc", OrgKind.CDC, cls.other_province, "CDC Quảng Ninh")

        cls.province_admin = make_user("province_admin", cls.health_dept, Role.ADMIN)
        cls.province_analyst = make_user("province_analyst", cls.cdc, Role.ANALYST)
        cls.district_a = make_user("district_a", cls.district_a_org)
        cls.district_b = make_user("district_b", cls.district_b_org)
        cls.commune = make_user("commune", cls.commune_org)
        cls.school = make_user("school", cls.school_org)
        cls.enterprise = make_user("enterprise", cls.enterprise_org)
        cls.lab = make_user("lab", cls.lab_org, Role.LAB_TECHNICIAN)
        cls.other_province_user = make_user("other_province", cls.other_province_org, Role.ADMIN)
        cls.outsider = make_user("outsider")

    def login(self, user: User) -> None:
        self.client.force_login(user)

    def assert_refused(
        self, url: str, users, method: str = "get", data=None, statuses=(302, 403, 404)
    ) -> None:
        """Each user in `users` is refused `url`: redirected to login, forbidden, or told it does not exist."""
        for user in users:
            self.client.logout()
            if user is not None:
                self.client.force_login(user)
            response = getattr(self.client, method)(url, data or {})
            self.assertIn(
                response.status_code,
                statuses,
                f"{getattr(user, 'username', 'anonymous')} got {response.status_code} for {method.upper()} {url}",
            )
            if response.status_code == 302:
                self.assertIn("/login", response["Location"], f"{user} was redirected elsewhere than login")
        self.client.logout()

    def assert_allowed(self, url: str, users, method: str = "get", data=None) -> None:
        for user in users:
            self.client.logout()
            self.client.force_login(user)
            response = getattr(self.client, method)(url, data or {})
            self.assertIn(
                response.status_code, (200, 201, 302), f"{user.username} got {response.status_code} for {url}"
            )
        self.client.logout()
