import datetime as dt

from django.urls import reverse

from epiwatch.levels.models import Assessment, Declaration
from epiwatch.levels.tests.base import WEEK, LevelsTestCase, propose_week

APPROVE = reverse("levels-approve", args=["vn-2021", "95"])


def declare_url(assessment) -> str:
    return reverse("levels-declare", args=[assessment.public_id])


class ApprovalTests(LevelsTestCase):
    def setUp(self):
        super().setUp()
        self.week = propose_week(self)

    def test_it_approves_every_proposal_as_proposed(self):
        self.login(self.province_admin)
        response = self.client.post(APPROVE, {"week": "2021-11-04"})
        self.assertRedirects(
            response, reverse("levels-overview", args=["vn-2021", "95"]) + "?week=2021-11-04"
        )
        levels = dict(Assessment.objects.values_list("area__code", "declared_level"))
        self.assertEqual(levels, {"95": 3, "954": 3, "956": 1, "31813": 3, "31816": 4, "31840": 1})
        self.assertEqual(
            Declaration.objects.filter(kind="approved", declared_by=self.province_admin).count(), 6
        )
        a2 = Assessment.objects.get(area=self.commune_a2)
        self.assertEqual(a2.declared_by, self.province_admin)
        self.assertIsNotNone(a2.declared_at)
        # approving again declares nothing twice
        self.client.post(APPROVE, {"week": "2021-11-04"})
        self.assertEqual(Declaration.objects.count(), 6)

    def test_it_approves_only_the_week_asked(self):
        propose_week(self, WEEK - dt.timedelta(days=7))
        self.login(self.province_admin)
        self.client.post(APPROVE, {"week": "2021-11-04"})
        self.assertEqual(Assessment.objects.declared().count(), 6)
        self.assertFalse(
            Assessment.objects.declared().filter(week_ending=WEEK - dt.timedelta(days=7)).exists()
        )

    def test_it_overrides_one_level_with_a_reason(self):
        a2 = self.week["a2"]
        self.login(self.province_admin)
        response = self.client.post(
            declare_url(a2), {"level": 3, "reason": "Cases are all in one factory, locked down"}
        )
        self.assertRedirects(response, reverse("levels-area", args=["vn-2021", "31816"]) + "?week=2021-11-04")
        a2.refresh_from_db()
        self.assertEqual((a2.proposed_level, a2.declared_level, a2.level), (4, 3, 3))
        self.assertEqual(a2.override_reason, "Cases are all in one factory, locked down")
        declaration = Declaration.objects.get()
        self.assertEqual(
            (declaration.kind, declaration.level, declaration.proposed_level), ("override", 3, 4)
        )

    def test_it_refuses_an_override_without_a_reason(self):
        a2 = self.week["a2"]
        self.login(self.province_admin)
        response = self.client.post(declare_url(a2), {"level": 2, "reason": "  "}, follow=True)
        self.assertContains(response, "Say why the declared level differs from the proposed level 4.")
        a2.refresh_from_db()
        self.assertIsNone(a2.declared_level)
        self.assertFalse(Declaration.objects.exists())

    def test_it_keeps_the_history_of_declarations(self):
        a2 = self.week["a2"]
        self.login(self.province_admin)
        self.client.post(APPROVE, {"week": "2021-11-04"})
        self.client.post(declare_url(a2), {"level": 3, "reason": "Outbreak contained in one factory"})
        earlier = propose_week(self, WEEK - dt.timedelta(days=7), a2_cases=0)
        self.client.post(declare_url(earlier["a2"]), {"level": 1, "reason": ""})
        history = list(
            Declaration.objects.filter(assessment__area=self.commune_a2).order_by("declared_at", "id")
        )
        self.assertEqual(
            [(d.kind, d.level, d.previous_level) for d in history],
            [("approved", 4, None), ("override", 3, 4), ("approved", 1, None)],
        )
        response = self.client.get(reverse("levels-area", args=["vn-2021", "31816"]) + "?week=2021-11-04")
        self.assertContains(response, "Outbreak contained in one factory")
        self.assertContains(response, "28/10/2021")  # the earlier week's declaration is listed too

    def test_it_lists_what_changed_since_last_week(self):
        propose_week(self, WEEK - dt.timedelta(days=7), a2_cases=0)  # Phường 8 was level 1 the week before
        earlier_a1 = Assessment.objects.get(area=self.commune_a1, week_ending=WEEK - dt.timedelta(days=7))
        earlier_a1.declare(self.province_admin, 4, "an outbreak at the market")  # and Phường 7 was declared 4
        self.login(self.province_admin)
        response = self.client.get(reverse("levels-overview", args=["vn-2021", "95"]) + "?week=2021-11-04")
        changes = [
            (c.assessment.area.code, c.before, c.after, c.direction) for c in response.context["changes"]
        ]
        self.assertEqual(changes, [("31816", 1, 4, "up"), ("31813", 4, 3, "down")])
        self.assertContains(response, "▲")
        self.assertContains(response, "▼")

    def test_only_province_users_with_a_writing_role_declare(self):
        a1 = self.week["a1"]
        a1_approved = self.week["b1"]
        a1_approved.declare(self.province_admin, 1)  # visible to the district users once declared
        for user in (
            self.province_analyst,
            self.district_a,
            self.district_b,
            self.commune,
            self.school,
            self.lab,
        ):
            self.assert_refused(APPROVE, [user], method="post", data={"week": "2021-11-04"})
            self.assert_refused(declare_url(a1), [user], method="post", data={"level": 2, "reason": "x"})
            self.assert_refused(
                declare_url(a1_approved), [user], method="post", data={"level": 2, "reason": "x"}
            )
        self.assert_refused(
            APPROVE,
            [None, self.outsider, self.other_province_user],
            method="post",
            data={"week": "2021-11-04"},
        )
        self.assert_refused(
            declare_url(a1),
            [None, self.outsider, self.other_province_user],
            method="post",
            data={"level": 2, "reason": "x"},
        )
        self.assertEqual(Declaration.objects.count(), 1)
        self.assertEqual(Assessment.objects.declared().count(), 1)
        # a district cannot approve its own district's proposals either
        self.login(self.district_a)
        response = self.client.post(
            reverse("levels-approve", args=["vn-2021", "954"]), {"week": "2021-11-04"}
        )
        self.assertEqual(response.status_code, 403)

    def test_the_cdc_with_a_writing_role_declares(self):
        from epiwatch.accounts.models import Membership, Role

        Membership.objects.filter(user=self.province_analyst).update(role=Role.DATA_ENTRY)
        self.login(self.province_analyst)
        self.client.post(APPROVE, {"week": "2021-11-04"})
        self.assertEqual(Assessment.objects.declared().count(), 6)
