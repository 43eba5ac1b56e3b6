"""Tasks: raised once, in bulk, for the right station; seen by the assignee and the areas above it."""

import datetime as dt

from django.http import Http404

from epiwatch.accounts import access
from epiwatch.accounts.models import AuditEvent
from epiwatch.people.models import Person
from epiwatch.tasks.models import Task, TaskKind, TaskSpec, close_many, raise_many, raise_task
from epiwatch.tasks.routing import Assignees
from epiwatch.testing import BaseTestCase, make_area

DUE = dt.date(2021, 11, 5)


class TaskTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.an = Person.objects.create(full_name="Nguyễn Văn An", birth_year=1990, residence=cls.commune_a1)
        cls.binh = Person.objects.create(full_name="Trần Văn Bình", birth_year=1980, residence=cls.commune_b1)

    def spec(self, person, organization=None, kind=TaskKind.CALL_CONTACT):
        return TaskSpec(
            kind=kind,
            organization=organization or self.commune_org,
            title="call",
            due_date=DUE,
            person=person,
            about=person,
        )

    def test_raise_task_creates_the_task_once(self):
        task, created = raise_task(
            TaskKind.CALL_CONTACT, self.commune_org, "call", DUE, person=self.an, about=self.an
        )
        again, created_again = raise_task(
            TaskKind.CALL_CONTACT, self.commune_org, "call", DUE, person=self.an, about=self.an
        )
        self.assertEqual((created, created_again, again), (True, False, task))
        self.assertEqual((task.about_model, task.about_id), ("people.person", str(self.an.public_id)))

    def test_raise_many_creates_the_missing_tasks_in_one_go_and_audits_them(self):
        raise_many([self.spec(self.an)])
        with self.assertNumQueries(3):
            created = raise_many([self.spec(self.an), self.spec(self.binh), self.spec(self.binh)])
        self.assertEqual([t.person for t in created], [self.binh])
        self.assertEqual(Task.objects.count(), 2)
        self.assertEqual(AuditEvent.objects.filter(model="tasks.task", action="create").count(), 2)

    def test_a_closed_task_can_be_raised_again(self):
        [task] = raise_many([self.spec(self.an)])
        self.assertEqual(close_many([task], note="called"), 1)
        task.refresh_from_db()
        self.assertEqual((task.status, task.note), ("done", "called"))
        self.assertIsNotNone(task.done_at)
        self.assertEqual(close_many([task]), 0)
        self.assertEqual(len(raise_many([self.spec(self.an)])), 1)

    def test_tasks_go_to_the_commune_station_else_the_district_centre(self):
        assignees = Assignees()
        village = make_area("31813-01", "Khóm 1", "village", self.commune_a1)
        with self.assertNumQueries(1):  # the stations of the province, once
            self.assertEqual(assignees.for_area(self.commune_a1), self.commune_org)
            self.assertEqual(assignees.for_area(village), self.commune_org)
            self.assertEqual(assignees.for_area(self.commune_a2), self.district_a_org)
            self.assertEqual(assignees.for_area(self.commune_b1), self.district_b_org)
            self.assertIsNone(assignees.commune_station(self.commune_b1))
            self.assertEqual(assignees.for_area(None, fallback=self.lab_org), self.lab_org)
        self.assertEqual(assignees.for_area(self.other_commune, fallback=self.lab_org), self.lab_org)


class TaskAccessTests(BaseTestCase):
    def test_the_assignee_and_the_areas_above_it_see_a_task(self):
        task, _created = raise_task(TaskKind.INVESTIGATE_CASE, self.commune_org, "investigate", DUE)
        for user in (self.commune, self.district_a, self.province_admin, self.province_analyst):
            with self.subTest(user.username):
                self.assertEqual(access.get_for_user(Task, user, public_id=task.public_id), task)
        for user in (
            self.district_b,
            self.lab,
            self.school,
            self.enterprise,
            self.other_province_user,
            self.outsider,
        ):
            with self.subTest(user.username), self.assertRaises(Http404):
                access.get_for_user(Task, user, public_id=task.public_id)

    def test_a_lab_sees_the_tasks_assigned_to_it(self):
        task, _created = raise_task(TaskKind.RETEST, self.lab_org, "re-test", DUE)
        self.assertEqual(list(access.visible(Task, self.lab)), [task])
        self.assertEqual(list(access.visible(Task, self.commune)), [])
