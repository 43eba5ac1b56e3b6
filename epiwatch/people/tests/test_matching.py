import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from epiwatch.accounts.models import AuditAction, AuditEvent
from epiwatch.geo.models import AreaKind
from epiwatch.people.matching import (
    NAME_BIRTH_COMMUNE,
    NATIONAL_ID,
    PHONE_NAME_BIRTH,
    match,
    match_many,
    match_or_create,
)
from epiwatch.people.models import DuplicateCandidate, Person
from epiwatch.testing import BaseTestCase, make_area

CCCD = "095090001234"  # Bạc Liêu, male, born 1990
OTHER_CCCD = "095090005678"


def row(**values):
    base = {
        "national_id": None,
        "full_name": "Nguyễn Văn Đức",
        "date_of_birth": None,
        "birth_year": None,
        "sex": "M",
        "phone": "",
        "residence": None,
        "address": "",
    }
    base.update(values)
    return base


class MatchingTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.village = make_area("31813-01", "Khóm 1", AreaKind.VILLAGE, cls.commune_a1)
        cls.duc = Person.objects.create(
            national_id=CCCD,
            full_name="Nguyễn Văn Đức",
            date_of_birth=dt.date(1990, 2, 1),
            sex="M",
            phone="0912345678",
            residence=cls.commune_a1,
            address="12 Trần Phú",
        )


class MatchOneRowTests(MatchingTestCase):
    def test_it_finds_a_person_by_national_id(self):
        outcome = match_or_create(
            row(national_id=CCCD, full_name="NGUYEN VAN DUC", date_of_birth=dt.date(1990, 2, 1))
        )
        self.assertEqual(outcome.person, self.duc)
        self.assertEqual(outcome.level, NATIONAL_ID)
        self.assertFalse(outcome.created)
        self.assertIsNone(outcome.candidate)
        self.assertEqual(outcome.conflicts, [])
        self.assertEqual(Person.objects.count(), 1)

    def test_it_accepts_a_national_id_that_lost_its_leading_zero(self):
        outcome = match(row(national_id=95090001234))
        self.assertEqual(outcome.person, self.duc)

    def test_it_flags_a_birth_date_that_contradicts_the_registry(self):
        outcome = match_or_create(
            row(national_id=CCCD, date_of_birth=dt.date(1990, 3, 5), phone="0987654321")
        )
        self.assertEqual(outcome.person, self.duc)
        self.assertFalse(outcome.created)
        self.assertEqual(outcome.conflicts, ["date_of_birth"])
        self.assertEqual(
            outcome.conflict_messages(), ["date_of_birth differs from the registry (01/02/1990)"]
        )
        self.duc.refresh_from_db()
        self.assertEqual(self.duc.date_of_birth, dt.date(1990, 2, 1))  # never overwritten
        self.assertEqual(self.duc.phone, "0912345678")
        self.assertEqual(Person.objects.count(), 1)
        self.assertFalse(DuplicateCandidate.objects.exists())

    def test_it_flags_sex_and_name_contradictions(self):
        outcome = match(row(national_id=CCCD, full_name="Trần Thị Mai", sex="F"))
        self.assertEqual(outcome.conflicts, ["sex", "full_name"])
        self.assertEqual(
            outcome.conflict_messages(),
            [
                "sex differs from the registry (Male)",
                "full_name differs from the registry (Nguyễn Văn Đức)",
            ],
        )

    def test_it_fills_blank_fields_but_never_overwrites(self):
        Person.objects.filter(pk=self.duc.pk).update(phone="", residence=None)
        outcome = match_or_create(
            row(
                national_id=CCCD,
                phone="+84 98 765 4321",
                residence=self.commune_a2,
                address="99 Hai Bà Trưng",
            )
        )
        self.assertEqual(outcome.filled["phone"], ["", "0987654321"])
        self.duc.refresh_from_db()
        self.assertEqual(self.duc.phone, "0987654321")
        self.assertEqual(self.duc.residence, self.commune_a2)
        self.assertEqual(self.duc.address, "12 Trần Phú")
        event = AuditEvent.objects.filter(
            action=AuditAction.UPDATE, object_id=str(self.duc.public_id)
        ).first()
        self.assertEqual(event.changes["phone"], ["", "0987654321"])

    def test_it_finds_a_person_by_phone_name_and_birth(self):
        outcome = match_or_create(row(full_name="nguyen  van duc", phone="+84 912 345 678", birth_year=1990))
        self.assertEqual(outcome.person, self.duc)
        self.assertEqual(outcome.level, PHONE_NAME_BIRTH)
        self.assertFalse(outcome.created)

    def test_it_does_not_match_a_phone_and_name_with_another_birth_date(self):
        outcome = match_or_create(row(phone="0912345678", date_of_birth=dt.date(2015, 6, 1), sex="M"))
        self.assertTrue(outcome.created)
        self.assertIsNone(outcome.candidate)  # a child sharing a parent's phone and name: another person

    def test_it_fills_in_the_national_id_of_a_person_found_by_phone(self):
        Person.objects.filter(pk=self.duc.pk).update(national_id=None)
        outcome = match_or_create(row(national_id=CCCD, phone="0912345678", birth_year=1990))
        self.assertEqual(outcome.person, self.duc)
        self.duc.refresh_from_db()
        self.assertEqual(self.duc.national_id, CCCD)

    def test_it_finds_a_person_by_name_birth_date_and_commune(self):
        outcome = match(
            row(full_name="Nguyen Van Duc", date_of_birth=dt.date(1990, 2, 1), residence=self.village)
        )
        self.assertEqual(outcome.person, self.duc)
        self.assertEqual(outcome.level, NAME_BIRTH_COMMUNE)

    def test_it_does_not_match_the_same_name_and_birth_in_another_commune(self):
        outcome = match(row(date_of_birth=dt.date(1990, 2, 1), residence=self.commune_b1))
        self.assertIsNone(outcome.person)
        self.assertFalse(outcome.uncertain)

    def test_it_records_a_candidate_when_only_the_birth_year_is_known(self):
        outcome = match_or_create(
            row(birth_year=1990, residence=self.commune_a1), organization=self.commune_org
        )
        self.assertTrue(outcome.created)
        self.assertNotEqual(outcome.person, self.duc)
        self.assertEqual(outcome.person.created_by, self.commune_org)
        candidate = outcome.candidate
        self.assertEqual((candidate.person_a, candidate.person_b), (self.duc, outcome.person))
        self.assertEqual(candidate.reason, "same name, birth and commune")
        self.assertEqual(candidate.score, 0.6)
        self.assertEqual(candidate.status, DuplicateCandidate.Status.OPEN)
        self.duc.refresh_from_db()
        self.assertIsNone(self.duc.merged_into)

    def test_it_never_merges_a_weak_match_that_has_another_national_id(self):
        outcome = match_or_create(row(national_id=OTHER_CCCD, phone="0912345678", birth_year=1990))
        self.assertTrue(outcome.created)
        self.assertEqual(outcome.person.national_id, OTHER_CCCD)
        self.assertEqual(outcome.candidate.person_a, self.duc)
        self.assertEqual(outcome.candidate.reason, "same phone, name and birth but a different national ID")
        self.assertEqual(Person.objects.count(), 2)
        self.duc.refresh_from_db()
        self.assertEqual(self.duc.national_id, CCCD)

    def test_it_doubts_a_weak_match_whose_national_id_gives_another_birth_year(self):
        Person.objects.filter(pk=self.duc.pk).update(national_id=None)
        born_1985 = "095085001234"
        outcome = match_or_create(row(national_id=born_1985, phone="0912345678", birth_year=1990))
        self.assertTrue(outcome.created)
        self.assertIn("another sex or birth year", outcome.candidate.reason)

    def test_it_does_not_add_the_same_uncertain_row_twice(self):
        first = match_or_create(row(birth_year=1990, residence=self.commune_a1))
        again = match_or_create(row(birth_year=1990, residence=self.commune_a1))
        self.assertTrue(first.created)
        self.assertFalse(again.created)
        self.assertEqual(again.person, first.person)
        self.assertEqual(Person.objects.count(), 2)
        self.assertEqual(DuplicateCandidate.objects.count(), 1)

    def test_it_creates_a_person_when_nothing_matches(self):
        outcome = match_or_create(
            row(full_name="Lê Thị Hoa", sex="F", birth_year=2001), organization=self.school_org
        )
        self.assertTrue(outcome.created)
        self.assertEqual(outcome.person.name_norm, "le thi hoa")
        self.assertTrue(
            AuditEvent.objects.filter(
                action=AuditAction.CREATE, object_id=str(outcome.person.public_id)
            ).exists()
        )

    def test_it_skips_merged_records(self):
        kept = Person.objects.create(full_name="Nguyễn Văn Đức", birth_year=1990)
        Person.objects.filter(pk=self.duc.pk).update(merged_into=kept)
        outcome = match(row(national_id=CCCD))
        self.assertIsNone(outcome.person)


class MatchManyTests(MatchingTestCase):
    def test_it_gives_the_same_answers_as_one_row_at_a_time(self):
        rows = [
            row(national_id=CCCD),
            row(full_name="NGUYEN VAN DUC", phone="0912 345 678", birth_year=1990),
            row(date_of_birth=dt.date(1990, 2, 1), residence=self.village),
            row(national_id=CCCD, date_of_birth=dt.date(1991, 1, 1)),
            row(full_name="Phạm Văn Nam", birth_year=1970),
        ]
        expected = [match(r) for r in rows]
        outcomes = match_many(rows, create=False)
        self.assertEqual([o.person for o in outcomes[:4]], [self.duc] * 4)
        self.assertEqual([o.level for o in outcomes], [e.level for e in expected])
        self.assertEqual([o.conflicts for o in outcomes], [e.conflicts for e in expected])
        self.assertTrue(outcomes[4].created)

    def test_it_writes_nothing_on_a_dry_run(self):
        outcomes = match_many([row(full_name="Phạm Văn Nam", birth_year=1970)], create=False)
        self.assertTrue(outcomes[0].created)
        self.assertIsNone(outcomes[0].person.pk)
        self.assertEqual(Person.objects.count(), 1)

    def test_it_creates_new_people_with_audit_and_candidates(self):
        outcomes = match_many(
            [
                row(full_name="Phạm Văn Nam", birth_year=1970, phone="0901000001"),
                row(national_id=OTHER_CCCD, phone="0912345678", birth_year=1990),
            ],
            organization=self.enterprise_org,
        )
        nam, other_duc = (o.person for o in outcomes)
        self.assertIsNotNone(nam.pk)
        self.assertEqual(Person.objects.get(pk=nam.pk).created_by, self.enterprise_org)
        self.assertEqual(outcomes[1].candidate.person_a, self.duc)
        self.assertEqual(DuplicateCandidate.objects.get().person_b, other_duc)
        self.assertEqual(
            AuditEvent.objects.filter(action=AuditAction.CREATE, object_id__in=[str(nam.public_id)]).count(),
            1,
        )

    def test_it_resolves_repeated_rows_of_a_batch_to_one_person(self):
        outcomes = match_many(
            [
                row(national_id=OTHER_CCCD, full_name="Trần Văn Bình", birth_year=1990),
                row(national_id=OTHER_CCCD, full_name="Tran Van Binh", birth_year=1990, phone="0933000111"),
                row(full_name="Lý Thị Lan", sex="F", phone="0944000222", birth_year=1999),
                row(full_name="LY THI LAN", sex="F", phone="0944000222", birth_year=1999),
            ]
        )
        self.assertIs(outcomes[0].person, outcomes[1].person)
        self.assertTrue(outcomes[0].created)
        self.assertFalse(outcomes[1].created)
        self.assertIs(outcomes[2].person, outcomes[3].person)
        self.assertEqual(Person.objects.count(), 3)
        binh = Person.objects.get(national_id=OTHER_CCCD)
        self.assertEqual(binh.phone, "0933000111")  # the second row filled the blank

    def test_it_fills_blanks_of_existing_people_in_one_update(self):
        Person.objects.filter(pk=self.duc.pk).update(phone="")
        match_many([row(national_id=CCCD, phone="0987654321")])
        self.duc.refresh_from_db()
        self.assertEqual(self.duc.phone, "0987654321")
        event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(self.duc.public_id))
        self.assertEqual(event.changes, {"phone": ["", "0987654321"]})

    def test_it_does_not_add_the_same_uncertain_rows_on_a_second_import(self):
        rows = [
            row(birth_year=1990, residence=self.commune_a1),
            row(birth_year=1990, residence=self.commune_a1),
        ]
        first = match_many(rows)
        second = match_many(rows)
        self.assertTrue(first[0].created)
        self.assertIs(first[1].person, first[0].person)
        self.assertEqual({o.person.pk for o in second}, {first[0].person.pk})
        self.assertEqual(Person.objects.count(), 2)
        self.assertEqual(DuplicateCandidate.objects.count(), 1)

    def test_it_resolves_a_thousand_rows_with_a_handful_of_queries(self):
        existing = [
            Person(
                national_id=f"0950{80 + i % 20:02d}{i:06d}",
                full_name=f"Người {i}",
                birth_year=1980 + i % 20,
                phone=f"09{i:08d}",
                residence=self.commune_a1,
            ).prepare()
            for i in range(600)
        ]
        Person.objects.bulk_create(existing)
        rows = [
            row(national_id=p.national_id, full_name=p.full_name, birth_year=p.birth_year) for p in existing
        ]
        rows += [
            row(full_name=p.full_name, phone=p.phone, birth_year=p.birth_year, residence=self.commune_a1)
            for p in existing[:250]
        ]
        rows += [row(full_name=f"Mới {i}", birth_year=2000, residence=self.commune_a2) for i in range(150)]
        with CaptureQueriesContext(connection) as queries:
            outcomes = match_many(rows, organization=self.commune_org)
        reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
        # national ID, phone, the communes' villages, name: not three per row (writes are batched by the backend's
        # parameter limit: a few INSERTs of people and audit events)
        self.assertLessEqual(len(reads), 4, reads)
        self.assertLessEqual(len(queries), 30)
        self.assertEqual(sum(o.created for o in outcomes), 150)
        self.assertEqual(sum(o.level == NATIONAL_ID for o in outcomes), 600)
        self.assertEqual(sum(o.level == PHONE_NAME_BIRTH for o in outcomes), 250)
        self.assertEqual(Person.objects.count(), 1 + 600 + 150)
