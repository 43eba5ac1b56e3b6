"""Test results' fixtures: the test province's registry (a resident of each district, a worker on the factory's
roster, a student on the school's) and helpers that submit rows and read back what was stored."""

from __future__ import annotations

import datetime as dt

from epiwatch.accounts import audit
from epiwatch.labs.models import TestResult
from epiwatch.labs.pipeline import COLUMNS, Context, submit
from epiwatch.lib.dates import LOCAL_TZ
from epiwatch.lib.tests.helpers import IOTestCase
from epiwatch.people.models import Person, RosterEntry

VI_HEADER = [
    "Mã mẫu",
    "Số CCCD/CMND",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số điện thoại",
    "Mã xã",
    "Địa chỉ",
    "Loại xét nghiệm",
    "Thời gian lấy mẫu",
    "Thời gian có kết quả",
    "Kết quả",
    "Giá trị Ct",
    "Mã mẫu gộp",
    "Lý do",
]
EN_HEADER = list(COLUMNS)


def local(day: int, hour: int = 7, minute: int = 30, month: int = 11) -> dt.datetime:
    return dt.datetime(2021, month, day, hour, minute, tzinfo=LOCAL_TZ)


def row(**values) -> dict:
    """An API-style item; the defaults are Đức's PCR negative of 02/11/2021."""
    item = {
        "national_id": "095090001234",
        "full_name": "Nguyễn Văn Đức",
        "date_of_birth": "01/02/1990",
        "sex": "M",
        "commune_code": "31813",
        "test_type": "rt_pcr",
        "sampled_at": "02/11/2021 07:30",
        "resulted_at": "02/11/2021 19:00",
        "result": "negative",
    }
    item.update(values)
    return {k: v for k, v in item.items() if v is not None}


def cells(item: dict, header=EN_HEADER) -> list[str]:
    """An item as a spreadsheet row under `header` (English column names or the Vietnamese headers)."""
    return [str(item.get(name, "")) for name in COLUMNS][: len(header)]


def submit_as(organization, items, **context):
    """The pipeline as the API runs it for `organization`."""
    with audit.acting(organization=organization, via="api"):
        return submit(items, Context(organization=organization, **context))


class ResultsTestCase(IOTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.duc = Person.objects.create(
            national_id="095090001234",
            full_name="Nguyễn Văn Đức",
            date_of_birth=dt.date(1990, 2, 1),
            sex="M",
            phone="0912345678",
            residence=cls.commune_a1,
        )
        cls.lan = Person.objects.create(
            national_id="095199004321",
            full_name="Trần Thị Lan",
            date_of_birth=dt.date(1999, 7, 3),
            sex="F",
            residence=cls.commune_b1,
        )
        cls.worker = Person.objects.create(
            national_id="095185004321",
            full_name="Lê Thị Hồng",
            date_of_birth=dt.date(1985, 4, 9),
            sex="F",
            residence=cls.commune_a2,
        )
        RosterEntry.objects.create(organization=cls.enterprise_org, person=cls.worker, shift="A")
        cls.student = Person.objects.create(
            full_name="Lê Minh Khoa", date_of_birth=dt.date(2006, 5, 5), sex="M", residence=cls.commune_a2
        )
        RosterEntry.objects.create(
            organization=cls.school_org, person=cls.student, role=RosterEntry.Role.STUDENT
        )

    def submit(self, items, org=None, **context):
        return submit_as(org or self.lab_org, items, **context)

    def stored(self, **filters):
        return list(
            TestResult.objects.filter(**filters)
            .order_by("sampled_at", "pk")
            .values_list("person__full_name", "test_type", "result")
        )
