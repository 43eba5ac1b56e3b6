"""Shift screening's fixtures: the test factory's shifts A (06-14), B (14-22) and the night shift C (22-06), a
hand-made roster on them, a second factory in district B, and a clock the tests set."""

from __future__ import annotations

import contextlib
import datetime as dt
from unittest import mock

from epiwatch.accounts.models import Organization, OrgKind
from epiwatch.labs.models import Reason, TestResult, TestType
from epiwatch.labs.shift_models import Shift
from epiwatch.labs.tests.web import ResultsWebTestCase
from epiwatch.lib.dates import LOCAL_TZ
from epiwatch.people.models import Person, RosterEntry
from epiwatch.testing import make_user

DAY = dt.date(2021, 11, 3)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2021, month, day, hour, minute, tzinfo=LOCAL_TZ)


@contextlib.contextmanager
def clock(moment: dt.datetime):
    """Django's clock (timezone.now, hence localdate and auto_now) stopped at `moment`."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class ShiftTestCase(ResultsWebTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        org = cls.enterprise_org

        def shift(code, name, start, end, organization=org):
            return Shift.objects.create(
                organization=organization,
                code=code,
                name=name,
                starts_at=dt.time(*start),
                ends_at=dt.time(*end),
            )

        cls.shift_a = shift("A", "Ca sáng", (6, 0), (14, 0))
        cls.shift_b = shift("B", "Ca chiều", (14, 0), (22, 0))
        cls.shift_c = shift("C", "Ca đêm", (22, 0), (6, 0))

        def worker(name, born, roster_shift, organization=org, area=None, **entry):
            person = Person.objects.create(
                full_name=name, date_of_birth=born, sex="F", residence=area or cls.commune_a2
            )
            code = f"NV{Person.objects.count():04d}"
            RosterEntry.objects.create(
                organization=organization, person=person, shift=roster_shift, employee_code=code, **entry
            )
            return person

        # the labs fixture's Lê Thị Hồng is on shift "A" already
        cls.hong = cls.worker
        cls.an = worker("Phạm Thị An", dt.date(1992, 1, 10), "Ca A")
        cls.binh = worker("Võ Thị Bình", dt.date(1994, 3, 2), "ca sáng")
        cls.cuong = worker("Đỗ Thị Cường", dt.date(1990, 6, 6), "b")
        cls.dung = worker("Huỳnh Thị Dung", dt.date(1988, 8, 8), "Ca đêm")
        cls.em = worker("Ngô Thị Em", dt.date(1995, 5, 5), "C")
        cls.giang = worker("Lý Thị Giang", dt.date(1996, 9, 9), "C")
        cls.ha = worker("Tạ Thị Hà", dt.date(1991, 1, 1), "D")  # a shift nobody defined
        cls.khanh = worker(
            "Mai Thị Khánh", dt.date(1993, 2, 2), "A", active=False, left_on=dt.date(2021, 10, 30)
        )

        # a second factory, in district B, with one shift and one worker
        cls.factory_b = Organization.objects.create(
            code="bl-thuysan-2", name="Nhà máy thủy sản 2", kind=OrgKind.ENTERPRISE, area=cls.commune_b1
        )
        cls.factory_b_shift = shift("A", "Ca ngày", (7, 0), (15, 0), organization=cls.factory_b)
        cls.lam = worker(
            "Cao Thị Lâm", dt.date(1989, 4, 4), "A", organization=cls.factory_b, area=cls.commune_b1
        )
        cls.factory_b_user = make_user("factory_b", cls.factory_b)
        cls.enterprise_viewer = make_user("enterprise_viewer", cls.enterprise_org, role="viewer")

    def result(self, person, when, result="negative", submitter=None, test_type=TestType.ANTIGEN):
        """A stored result as the pipeline leaves it (the compliance reads results, not how they came)."""
        return TestResult.objects.create(
            person=person,
            test_type=test_type,
            sampled_at=when,
            resulted_at=when,
            result=result,
            reason=Reason.SHIFT_SCREENING,
            submitter=submitter or self.enterprise_org,
            area=person.residence,
            province_code="95",
        )

    def entry_of(self, person, organization=None) -> RosterEntry:
        return RosterEntry.objects.get(person=person, organization=organization or self.enterprise_org)
