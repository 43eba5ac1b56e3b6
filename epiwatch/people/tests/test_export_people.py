"""`epiwatch export people`: the registry, as the scope sees it."""

import datetime as dt

from epiwatch.accounts import access
from epiwatch.accounts.models import AuditEvent
from epiwatch.lib.tests.helpers import IOTestCase, parse_csv
from epiwatch.people.exporters import PersonExporter
from epiwatch.people.models import Person, RosterEntry

COLUMNS = ["person_id", "national_id", "full_name", "date_of_birth", "sex", "phone", "area_code", "address"]


class PersonExportTests(IOTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.an = Person.objects.create(
            national_id="095090001234",
            full_name="Nguyễn Văn An",
            date_of_birth=dt.date(1990, 3, 15),
            sex="M",
            phone="0912345678",
            residence=cls.commune_a1,
            address="Khóm 2",
        )
        cls.bich = Person.objects.create(
            full_name="Trần Thị Bích", birth_year=2008, sex="F", residence=cls.commune_b1
        )
        cls.chi = Person.objects.create(full_name="-Lê Chi", birth_year=1970, residence=cls.other_commune)
        merged = Person.objects.create(full_name="Nguyễn An", birth_year=1990, residence=cls.commune_a1)
        Person.objects.filter(pk=merged.pk).update(merged_into=cls.an)
        RosterEntry.objects.create(organization=cls.school_org, person=cls.bich)

    def test_it_exports_the_registry_with_public_ids(self):
        ran = self.export("people")
        self.assertEqual(ran.code, 0)
        rows = parse_csv(ran.out)
        self.assertEqual(rows[0], COLUMNS)
        self.assertEqual(
            rows[1:],
            [
                [
                    str(self.an.public_id),
                    "095090001234",
                    "Nguyễn Văn An",
                    "1990-03-15",
                    "M",
                    "0912345678",
                    "31813",
                    "Khóm 2",
                ],
                [str(self.bich.public_id), "", "Trần Thị Bích", "2008", "F", "", "31840", ""],
                [str(self.chi.public_id), "", "'-Lê Chi", "1970", "U", "", "06757", ""],
            ],
        )

    def test_area_restricts_to_the_people_living_there(self):
        rows = parse_csv(self.export("people", "--area", "95").out)
        self.assertEqual([r[2] for r in rows[1:]], ["Nguyễn Văn An", "Trần Thị Bích"])
        rows = parse_csv(self.export("people", "--area", "956").out)
        self.assertEqual([r[2] for r in rows[1:]], ["Trần Thị Bích"])

    def test_each_export_leaves_an_audit_event(self):
        self.export("people", "--area", "95")
        event = AuditEvent.objects.get(action="export")
        self.assertEqual(
            (event.model, event.via, event.changes), ("people.person", "command", {"rows": 2, "area": "95"})
        )

    def test_a_user_exports_only_the_people_they_see(self):
        def names(user):
            return [r[2] for r in PersonExporter().rows(access.scope_for(user))]

        self.assertEqual(names(self.district_a), ["Nguyễn Văn An"])
        self.assertEqual(names(self.school), ["Trần Thị Bích"])
        self.assertEqual(names(self.other_province_user), ["-Lê Chi"])
        self.assertEqual(names(self.enterprise), [])
        self.assertEqual(names(self.outsider), [])

    def test_dates_do_not_apply_to_people(self):
        ran = self.export("people", "--from", "01/11/2021")
        self.assertEqual(ran.code, 2)
        self.assertIn("The people export has no dates", ran.err)
