"""People of the test province: a resident of each district and one of the other province."""

import datetime as dt

from epiwatch.people.models import Person, RosterEntry
from epiwatch.testing import BaseTestCase


class PeopleTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.duc = Person.objects.create(
            national_id="095090001234",
            full_name="Nguyen Van Duc",
            date_of_birth=dt.date(1990, 2, 1),
            sex="M",
            phone="0912345678",
            residence=cls.commune_a1,
            created_by=cls.commune_org,
        )
        cls.lan = Person.objects.create(
            national_id="095199004321",
            full_name="Trần Thị Lan",
            date_of_birth=dt.date(1999, 7, 3),
            sex="F",
            residence=cls.commune_b1,
            created_by=cls.district_b_org,
        )
        cls.hai = Person.objects.create(
            full_name="Phạm Văn Hải",
            birth_year=1980,
            sex="M",
            residence=cls.other_commune,
            created_by=cls.other_province_org,
        )
        cls.student = Person.objects.create(
            full_name="Lê Minh Khoa",
            birth_year=2006,
            sex="M",
            residence=cls.commune_a2,
            created_by=cls.commune_org,
        )
        cls.student_entry = RosterEntry.objects.create(
            organization=cls.school_org, person=cls.student, role=RosterEntry.Role.STUDENT, group="10A1"
        )

    def everyone_but(self, *allowed):
        users = [
            None,
            self.province_admin,
            self.province_analyst,
            self.district_a,
            self.district_b,
            self.commune,
            self.school,
            self.enterprise,
            self.lab,
            self.other_province_user,
            self.outsider,
        ]
        return [u for u in users if u not in allowed]
