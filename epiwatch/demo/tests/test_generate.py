"""`epiwatch generate`: synthetic households and rosters, deterministic per seed, idempotent per seed and scale."""

import io
import statistics
from collections import Counter, defaultdict
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from epiwatch.accounts.models import AuditAction, AuditEvent, Organization, OrgKind
from epiwatch.demo.generator import runner
from epiwatch.demo.generator.households import HOUSEHOLD_SIZES
from epiwatch.demo.generator.identity import MOBILE_PREFIXES
from epiwatch.demo.generator.rosters import grade_of
from epiwatch.demo.generator.steps import STEPS
from epiwatch.demo.loading import load_demo
from epiwatch.demo.models import GeneratorRun
from epiwatch.geo.loading import load_dataset
from epiwatch.geo.models import Area, AreaKind, Population
from epiwatch.lib import natid
from epiwatch.lib.text import normalize_phone
from epiwatch.people.models import Person, RosterEntry

SEED = 7
SCALE = "0.003"  # about 2,700 people
ON = runner.DEMO_DATE


def generate(*args):
    out = io.StringIO()
    call_command("generate", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return sorted(
        Person.objects.values_list(
            "public_id", "national_id", "full_name", "date_of_birth", "sex", "phone", "residence__code",
            "address", "comorbidities", "pregnant",
        )
    )  # fmt: skip


def band_of(age):
    return 0 if age < 5 else 1 if age < 18 else 2 if age < 65 else 3


class GeneratedPeopleTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo(people=False)
        cls.output = generate("--seed", str(SEED), "--scale", SCALE)
        cls.people = list(Person.objects.select_related("residence", "residence__parent"))

    def adults(self):
        return [p for p in self.people if p.age_on(ON) >= 18]

    def test_it_prints_one_summary_line_with_people_per_second(self):
        lines = self.output.strip().splitlines()
        self.assertEqual(len(lines), 1)
        self.assertRegex(
            lines[0], r"^generate: seed 7, scale 0.003, province 95: households 2,\d{3} in [\d.]+ s; "
        )
        self.assertRegex(lines[0], r"rosters \d+ in [\d.]+ s; [\d,]+ people/s$")

    def test_it_makes_scale_times_each_communes_population_with_its_age_bands(self):
        by_commune = defaultdict(list)
        for person in self.people:
            commune = (
                person.residence if person.residence.kind == AreaKind.COMMUNE else person.residence.parent
            )
            by_commune[commune.pk].append(person)
        populations = Population.objects.filter(year=2021, area__kind=AreaKind.COMMUNE)
        self.assertEqual(len(by_commune), 64)
        for pop in populations:
            people = by_commune[pop.area_id]
            self.assertEqual(len(people), round(pop.total * Decimal(SCALE)))
            bands = Counter(band_of(p.age_on(ON)) for p in people)
            for index, band in enumerate(Population.BANDS):
                expected = getattr(pop, band) * len(people) / pop.total
                self.assertLessEqual(abs(bands[index] - expected), 1, f"{pop.area.name} {band}")

    def test_every_adult_has_a_cccd_that_validates_and_agrees_with_sex_and_birth_year(self):
        adults = self.adults()
        self.assertGreater(len(adults), 1500)
        for person in adults:
            parsed = natid.parse(person.national_id, today=ON)
            self.assertEqual(parsed.kind, "cccd")
            self.assertEqual(parsed.province_code, "95")
            self.assertTrue(parsed.agrees_with(sex=person.sex, birth_year=person.date_of_birth.year), person)
        self.assertEqual(len({p.national_id for p in adults}), len(adults))
        self.assertTrue(all(p.national_id is None for p in self.people if p.age_on(ON) < 18))

    def test_most_adults_have_a_valid_mobile_number(self):
        prefixes = {p for p, _w in MOBILE_PREFIXES}
        with_phone = [p for p in self.adults() if p.phone]
        self.assertGreater(len(with_phone) / len(self.adults()), 0.75)
        for person in with_phone:
            self.assertEqual(len(person.phone), 10)
            self.assertIn(person.phone[:3], prefixes)
            self.assertEqual(normalize_phone(person.phone), person.phone)
        self.assertFalse(any(p.phone for p in self.people if p.age_on(ON) < 15))

    def test_people_have_vietnamese_names_sex_and_birth_dates(self):
        family = Counter(p.full_name.split()[0] for p in self.people)
        self.assertEqual(family.most_common(1)[0][0], "Nguyễn")
        self.assertTrue(0.28 < family["Nguyễn"] / len(self.people) < 0.48)
        self.assertTrue(all(len(p.full_name.split()) >= 3 for p in self.people))
        self.assertTrue(all(p.name_norm and p.name_norm.isascii() for p in self.people))
        old_men = [p for p in self.people if p.sex == "M" and p.birth_year < 1970]
        self.assertGreater(sum(p.full_name.split()[1] == "Văn" for p in old_men) / len(old_men), 0.6)
        sexes = Counter(p.sex for p in self.people)
        self.assertTrue(0.45 < sexes["F"] / len(self.people) < 0.55)
        self.assertTrue(all(p.birth_year == p.date_of_birth.year for p in self.people))
        self.assertTrue(all(0 <= p.age_on(ON) <= 100 for p in self.people))

    def test_households_have_plausible_sizes_and_an_adult(self):
        households = defaultdict(list)
        for person in self.people:
            households[person.address].append(person)
        sizes = [len(members) for members in households.values()]
        self.assertTrue(3.3 <= statistics.mean(sizes) <= 3.9, statistics.mean(sizes))
        self.assertLessEqual(max(sizes), max(HOUSEHOLD_SIZES))
        self.assertGreaterEqual(min(sizes), 1)
        with_adult = sum(any(m.age_on(ON) >= 18 for m in members) for members in households.values())
        self.assertGreater(with_adult / len(households), 0.97)
        # one household lives in one place
        for members in households.values():
            self.assertEqual(len({m.residence_id for m in members}), 1)

    def test_people_live_in_a_village_named_in_their_address(self):
        for person in self.people:
            self.assertEqual(person.residence.kind, AreaKind.VILLAGE)
            self.assertRegex(person.address, r"^Số \d+, ")
            self.assertIn(f", {person.residence.name}, {person.residence.parent.name}, ", person.address)

    def test_a_plausible_share_of_the_elderly_have_comorbidities(self):
        elderly = [p for p in self.people if p.age_on(ON) >= 65]
        young = [p for p in self.people if p.age_on(ON) < 40]
        share_old = sum(bool(p.comorbidities) for p in elderly) / len(elderly)
        share_young = sum(bool(p.comorbidities) for p in young) / len(young)
        self.assertTrue(0.45 <= share_old <= 0.85, share_old)
        self.assertLess(share_young, 0.1)
        self.assertIn("hypertension", Counter(c for p in elderly for c in p.comorbidities))
        pregnant = [p for p in self.people if p.pregnant]
        self.assertTrue(all(p.sex == "F" and 18 <= p.age_on(ON) <= 42 for p in pregnant))

    def test_workers_are_on_the_enterprises_rosters_with_shifts(self):
        for org in Organization.objects.filter(kind=OrgKind.ENTERPRISE):
            entries = list(RosterEntry.objects.filter(organization=org).select_related("person__residence"))
            self.assertEqual(len(entries), round(1500 * float(SCALE)), org.code)
            district = org.area.path.split("/")[1]
            for entry in entries:
                self.assertEqual(entry.role, RosterEntry.Role.WORKER)
                self.assertIn(entry.shift, {"A", "B", "C"})
                self.assertTrue(18 <= entry.person.age_on(ON) <= 55)
                self.assertEqual(entry.person.residence.path.split("/")[1], district)
        workers = RosterEntry.objects.filter(role=RosterEntry.Role.WORKER)
        self.assertEqual(workers.values("person").distinct().count(), workers.count())

    def test_students_are_on_their_schools_rosters_in_the_right_grades(self):
        school = Organization.objects.get(code="bl-thpt-baclieu")
        students = list(RosterEntry.objects.filter(organization=school, role=RosterEntry.Role.STUDENT))
        self.assertEqual(len(students), round(1200 * float(SCALE)))
        for entry in students:
            grade = grade_of(entry.person, ON)
            self.assertIn(grade, (10, 11, 12))
            self.assertTrue(entry.group.startswith(str(grade)), entry.group)
        primary = RosterEntry.objects.filter(
            organization__code="bl-th-ngandua", role=RosterEntry.Role.STUDENT
        )
        self.assertTrue(primary.exists())
        self.assertTrue(all(1 <= grade_of(e.person, ON) <= 5 for e in primary))
        self.assertTrue(
            RosterEntry.objects.filter(organization=school, role=RosterEntry.Role.TEACHER).exists()
        )
        students_all = RosterEntry.objects.filter(role=RosterEntry.Role.STUDENT)
        self.assertEqual(students_all.values("person").distinct().count(), students_all.count())
        self.assertFalse(
            RosterEntry.objects.filter(role=RosterEntry.Role.TEACHER)
            .filter(person__roster_entries__role=RosterEntry.Role.WORKER)
            .exists()
        )

    def test_it_leaves_one_summary_audit_event_per_step(self):
        events = list(AuditEvent.objects.order_by("id"))
        self.assertEqual([(e.model, e.action, e.via) for e in events], [
            ("people.person", AuditAction.IMPORT, "command"),
            ("people.rosterentry", AuditAction.IMPORT, "command"),
        ])  # fmt: skip
        self.assertEqual(events[0].changes, {"count": len(self.people), "seed": SEED})
        self.assertEqual(events[1].changes, {"count": RosterEntry.objects.count(), "seed": SEED})

    def test_running_it_again_with_the_same_seed_and_scale_makes_nothing(self):
        before = (Person.objects.count(), RosterEntry.objects.count(), AuditEvent.objects.count())
        output = generate("--seed", str(SEED), "--scale", "0.0030")
        self.assertEqual(
            (Person.objects.count(), RosterEntry.objects.count(), AuditEvent.objects.count()), before
        )
        self.assertIn("households skipped (done before); rosters skipped (done before)", output)
        self.assertEqual(GeneratorRun.objects.count(), 2)

    def test_the_same_seed_makes_the_same_people(self):
        first = snapshot()
        first_roster = sorted(
            RosterEntry.objects.values_list("person__public_id", "organization__code", "shift", "group")
        )
        RosterEntry.objects.all().delete()
        Person.objects.all().delete()
        GeneratorRun.objects.all().delete()
        generate("--seed", str(SEED), "--scale", SCALE)
        self.assertEqual(snapshot(), first)
        again = sorted(
            RosterEntry.objects.values_list("person__public_id", "organization__code", "shift", "group")
        )
        self.assertEqual(again, first_roster)

    def test_another_seed_makes_other_people_next_to_them(self):
        first = {row[0] for row in snapshot()}
        generate("--seed", str(SEED + 1), "--scale", SCALE)
        everyone = snapshot()
        self.assertEqual(len(everyone), 2 * len(first))
        ids = [row[1] for row in everyone if row[1]]
        self.assertEqual(len(ids), len(set(ids)))  # no CCCD shared with the first seed's people

    def test_a_step_appended_later_gets_the_people_of_the_steps_before_it(self):
        seen = {}

        def probe(ctx):
            seen["people"] = {p.pk: p.national_id for p in ctx.people}
            seen["households"] = len(ctx.households)
            seen["roster"] = len(ctx.roster_entries)
            return 0

        report = runner.generate(SEED, SCALE, steps=[*STEPS, runner.Step("probe", "people.person", probe)])
        self.assertEqual([o.skipped for o in report.outcomes], [True, True, False])
        # every stored person, with the national ID as stored
        self.assertEqual(seen["people"], dict(Person.objects.values_list("pk", "national_id")))
        self.assertEqual(seen["roster"], RosterEntry.objects.count())
        self.assertEqual(seen["households"], len({p.address for p in self.people}))
        self.assertTrue(GeneratorRun.objects.filter(seed=SEED, step="probe").exists())

    def test_a_failing_step_keeps_the_steps_before_it_and_the_next_run_resumes(self):
        def broken(ctx):
            Person.objects.filter(pk=ctx.people[0].pk).update(full_name="changed by a broken step")
            raise RuntimeError("the step broke")

        with self.assertRaisesMessage(RuntimeError, "the step broke"):
            runner.generate(SEED + 2, SCALE, steps=[*STEPS, runner.Step("broken", "people.person", broken)])
        self.assertFalse(Person.objects.filter(full_name="changed by a broken step").exists())
        self.assertEqual(
            set(GeneratorRun.objects.filter(seed=SEED + 2).values_list("step", flat=True)),
            {"households", "rosters"},
        )
        count = Person.objects.count()
        report = runner.generate(SEED + 2, SCALE)
        self.assertEqual(report.created, 0)
        self.assertEqual(Person.objects.count(), count)

    def test_a_dry_run_saves_nothing(self):
        before = (Person.objects.count(), RosterEntry.objects.count(), AuditEvent.objects.count())
        output = generate("--seed", "99", "--scale", SCALE, "--dry-run")
        self.assertIn("dry run, nothing saved", output)
        self.assertRegex(output, r"households 2,\d{3} in")
        self.assertEqual(
            (Person.objects.count(), RosterEntry.objects.count(), AuditEvent.objects.count()), before
        )
        self.assertFalse(GeneratorRun.objects.filter(seed=99).exists())


class GenerateRefusalsTestCase(TestCase):
    def test_it_refuses_a_province_that_is_not_loaded(self):
        with self.assertRaisesMessage(CommandError, "province 95 is not loaded in dataset vn-2021"):
            generate("--seed", "1", "--scale", "0.01")

    def test_it_names_the_communes_without_population(self):
        load_dataset("vn-2021", province="22")
        with self.assertRaises(CommandError) as error:
            generate("--seed", "1", "--scale", "0.01", "--province", "22")
        message = str(error.exception)
        self.assertIn("communes of Tỉnh Quảng Ninh have no population for 2021", message)
        self.assertIn("Import the population first", message)
        self.assertEqual(Person.objects.count(), 0)

    def test_it_refuses_a_scale_that_is_not_a_share(self):
        load_demo(people=False)
        for scale, message in (("0", "must be above 0 and at most 1"), ("1.5", "must be above 0 and at most 1"),
                               ("lots", "scale 'lots' is not a number")):  # fmt: skip
            with self.assertRaisesMessage(CommandError, message):
                generate("--seed", "1", "--scale", scale)
        with self.assertRaisesMessage(CommandError, "--date '4/11/2021' is not a date"):
            generate("--seed", "1", "--scale", "0.01", "--date", "4/11/2021")
        self.assertEqual(Person.objects.count(), 0)

    def test_it_works_for_a_province_without_villages(self):
        load_demo(people=False)
        Area.objects.filter(kind=AreaKind.VILLAGE).delete()
        generate("--seed", "3", "--scale", "0.001")
        people = Person.objects.select_related("residence")
        self.assertTrue(people.exists())
        self.assertEqual({p.residence.kind for p in people}, {AreaKind.COMMUNE})
        self.assertTrue(all(", Tổ " in p.address for p in people))
