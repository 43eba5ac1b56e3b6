"""`epiwatch export orgs`: the organizations and where they sit."""

import io

import openpyxl

from epiwatch.accounts import access
from epiwatch.accounts.exporters import OrganizationExporter
from epiwatch.accounts.models import Organization, OrgKind
from epiwatch.lib.tests.helpers import IOTestCase, parse_csv


class OrganizationExportTests(IOTestCase):
    def test_it_exports_every_active_organization(self):
        Organization.objects.filter(code="bl-lab").update(is_active=False)
        rows = parse_csv(self.export("orgs").out)
        self.assertEqual(rows[0], ["code", "name", "kind", "area_code"])
        self.assertEqual(
            rows[1:],
            [
                ["bl-cdc", "CDC Bạc Liêu", "cdc", "95"],
                ["bl-soyte", "Sở Y tế Bạc Liêu", "health_department", "95"],
                ["bl-thpt-1", "THPT Bạc Liêu", "school", "31813"],
                ["bl-thuysan-1", "Nhà máy thủy sản 1", "enterprise", "31816"],
                ["bl-ttyt-954", "bl-ttyt-954", "district_centre", "954"],
                ["bl-ttyt-956", "bl-ttyt-956", "district_centre", "956"],
                ["bl-tyt-31813", "bl-tyt-31813", "commune_station", "31813"],
                ["qn-cdc", "CDC Quảng Ninh", "cdc", "22"],
            ],
        )

    def test_area_restricts_to_the_organizations_in_the_subtree(self):
        rows = parse_csv(self.export("orgs", "--area", "954").out)
        self.assertEqual(
            [r[0] for r in rows[1:]], ["bl-thpt-1", "bl-thuysan-1", "bl-ttyt-954", "bl-tyt-31813"]
        )

    def test_formula_like_names_are_escaped(self):
        Organization.objects.create(
            code="evil", name="@SUM(1+1)*cmd", kind=OrgKind.SCHOOL, area=self.commune_b1
        )
        rows = parse_csv(self.export("orgs", "--area", "956").out)
        self.assertIn(["evil", "'@SUM(1+1)*cmd", "school", "31840"], rows)

    def test_a_user_exports_only_the_organizations_they_see(self):
        rows = list(OrganizationExporter().rows(access.scope_for(self.district_b)))
        self.assertEqual([r[0] for r in rows], ["bl-ttyt-956"])
        rows = list(OrganizationExporter().rows(access.scope_for(self.school)))
        self.assertEqual([r[0] for r in rows], ["bl-thpt-1"])
        self.assertEqual(list(OrganizationExporter().rows(access.scope_for(self.outsider))), [])

    def test_the_web_download_streams_the_csv_or_sends_the_workbook(self):
        scope = access.scope_for(self.district_b)
        response = OrganizationExporter().response(fmt="csv", scope=scope)
        self.assertTrue(response.streaming)
        self.assertRegex(response["Content-Disposition"], r'^attachment; filename="orgs-\d{8}\.csv"$')
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        self.assertEqual(body, "code,name,kind,area_code\r\nbl-ttyt-956,bl-ttyt-956,district_centre,956\r\n")

        response = OrganizationExporter().response(fmt="xlsx", scope=scope)
        workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        self.assertEqual(
            list(workbook["orgs"].iter_rows(values_only=True)),
            [("code", "name", "kind", "area_code"), ("bl-ttyt-956", "bl-ttyt-956", "district_centre", "956")],
        )
