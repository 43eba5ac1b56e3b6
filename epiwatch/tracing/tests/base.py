"""A small outbreak for the tracing tests: a case in commune A1 with a household, a factory roster in A2, a person in
district B, a quarantine facility, and the commune stations tasks go to. Dates are in November 2021 (the rule sets
of the time) and "today" is frozen on 10 Nov 2021 where it matters."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import timezone, translation

from epiwatch.accounts.models import Organization, OrgKind, Role
from epiwatch.cases.models import Case, Classification, DetectionSetting
from epiwatch.people.models import Person, RosterEntry
from epiwatch.testing import BaseTestCase, make_user

TODAY = dt.date(2021, 11, 10)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class frozen_today:  # noqa: N801 - used like a decorator or a context manager
    """Make timezone.localdate() and timezone.now() answer a fixed day (09:00 local)."""

    def __init__(self, day: dt.date = TODAY):
        self.day = day
        self.patches = []

    def __enter__(self):
        moment = at(self.day)
        self.patches = [mock.patch("django.utils.timezone.now", return_value=moment)]
        for p in self.patches:
            p.start()
        return self

    def __exit__(self, *exc):
        for p in self.patches:
            p.stop()

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with frozen_today(self.day):
                return fn(*args, **kwargs)

        return wrapped


class TracingTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        # messages are checked in English (the default language is Vietnamese once the translations are compiled)
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.station_a2 = Organization.objects.create(
            code="bl-tyt-31816", name="Trạm y tế Phường 8", kind=OrgKind.COMMUNE_STATION, area=cls.commune_a2
        )
        cls.station_b1 = Organization.objects.create(
            code="bl-tyt-31840", name="Trạm y tế Ngan Dừa", kind=OrgKind.COMMUNE_STATION, area=cls.commune_b1
        )
        cls.facility = Organization.objects.create(
            code="bl-kcl-1",
            name="Khu cách ly Trường Chính trị",
            kind=OrgKind.QUARANTINE_FACILITY,
            area=cls.district_a_area,
        )
        cls.facility_user = make_user("facility", cls.facility, Role.DATA_ENTRY)
        cls.commune_viewer = make_user("commune_viewer", cls.commune_org, Role.VIEWER)

        def person(name, area, address="", born=dt.date(1990, 1, 1), **kw):
            return Person.objects.create(
                full_name=name, residence=area, address=address, date_of_birth=born, **kw
            )

        # the index case and their household (the address written two ways)
        cls.an = person("Nguyễn Văn An", cls.commune_a1, "Số 12, Khóm 3", phone="0912000001")
        cls.binh = person("Trần Thị Bình", cls.commune_a1, "so 12 khom 3", born=dt.date(1992, 5, 5))
        cls.child = person("Nguyễn Minh Châu", cls.commune_a1, "SỐ 12 - KHÓM 3", born=dt.date(2015, 3, 3))
        cls.neighbour = person("Lê Văn Dũng", cls.commune_a1, "Số 14, Khóm 3")
        # a person of district B and a factory roster in commune A2
        cls.lan = person("Phạm Thị Lan", cls.commune_b1, "Ấp 1")
        cls.workers = [person(f"Công nhân {i}", cls.commune_a2, f"Khóm {i}") for i in range(4)]
        for i, worker in enumerate(cls.workers):
            RosterEntry.objects.create(
                organization=cls.enterprise_org,
                person=worker,
                shift="Ca 1" if i < 3 else "Ca 2",
                group="Tổ cấp đông",
                joined_on=dt.date(2020, 1, 1),
            )
        cls.case_an = cls.make_case(cls.an, onset=dt.date(2021, 11, 5), report=dt.date(2021, 11, 7))

    @classmethod
    def make_case(cls, person, onset=None, sample=None, report=dt.date(2021, 11, 7), **kw) -> Case:
        return Case.objects.create(
            person=person,
            classification=kw.pop("classification", Classification.CONFIRMED),
            detection_setting=DetectionSetting.COMMUNITY,
            onset_date=onset,
            sample_date=sample,
            report_date=report,
            area=person.residence,
            province_code=person.residence.province_code,
            **kw,
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
            self.facility_user,
        ]
        return [u for u in users if u not in allowed]
