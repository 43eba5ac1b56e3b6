"""Managing an organization's members: add, change a role, remove, deactivate; refused for everybody else."""

import re

from django.contrib.auth.models import User
from django.urls import reverse

from epiwatch.accounts.models import AuditEvent, Membership, OneTimeLink, Role
from epiwatch.accounts.tests.helpers import EnglishTestCase
from epiwatch.testing import make_user


class MembersTestCase(EnglishTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.school_admin = make_user("school_admin", cls.school_org, Role.ADMIN)
        cls.teacher = make_user("teacher", cls.school_org, Role.DATA_ENTRY)

    def url(self, name, org=None):
        return reverse(name, args=[(org or self.school_org).public_id])

    def role_of(self, user, org=None):
        return (
            Membership.objects.filter(user=user, organization=org or self.school_org)
            .values_list("role", flat=True)
            .first()
        )

    # who may not: everyone who does not administer the school or its province
    def refused(self):
        return [
            None,
            self.province_analyst,
            self.district_a,
            self.commune,
            self.school,
            self.teacher,
            self.enterprise,
            self.lab,
            self.other_province_user,
            self.outsider,
        ]

    def test_it_adds_an_existing_user(self):
        for admin in [self.province_admin, self.school_admin]:
            Membership.objects.filter(user=self.outsider).delete()
            self.login(admin)
            response = self.client.post(
                self.url("org-member-add"), {"username": "OUTSIDER", "role": Role.VIEWER}
            )
            self.assertRedirects(response, self.url("org-detail"), fetch_redirect_response=False)
            self.assertEqual(self.role_of(self.outsider), Role.VIEWER)
            self.assertContains(self.client.get(self.url("org-detail")), "outsider was added as Viewer.")

    def test_it_tells_when_the_user_is_unknown_or_already_a_member(self):
        self.login(self.school_admin)
        response = self.client.post(
            self.url("org-member-add"), {"username": "nobody", "role": Role.VIEWER}, follow=True
        )
        self.assertContains(response, "There is no user nobody")
        response = self.client.post(
            self.url("org-member-add"), {"username": "teacher", "role": Role.VIEWER}, follow=True
        )
        self.assertContains(response, "teacher is already a member.")
        self.assertEqual(self.role_of(self.teacher), Role.DATA_ENTRY)

    def test_it_refuses_adding_for_everybody_else(self):
        self.assert_refused(
            self.url("org-member-add"),
            self.refused(),
            method="post",
            data={"username": "outsider", "role": "admin"},
        )
        self.assertFalse(Membership.objects.filter(user=self.outsider).exists())

    def test_it_creates_a_new_user_from_the_organization_page(self):
        self.login(self.school_admin)
        response = self.client.post(
            self.url("org-user-create"),
            {
                "username": "gv_hoa",
                "full_name": "Lê Thị Hoa",
                "email": "hoa@example.vn",
                "role": Role.DATA_ENTRY,
            },
        )
        self.assertEqual(response.status_code, 200)
        user = User.objects.get(username="gv_hoa")
        self.assertEqual(self.role_of(user), Role.DATA_ENTRY)
        raw = re.search(r"/set-password/([\w-]+)/", response.content.decode()).group(1)
        self.assertEqual(OneTimeLink.peek(raw).user, user)

    def test_it_refuses_creating_users_for_everybody_else(self):
        data = {"username": "intruder", "full_name": "X", "phone": "0912345678", "role": "admin"}
        self.assert_refused(self.url("org-user-create"), self.refused(), method="post", data=data)
        self.assertFalse(User.objects.filter(username="intruder").exists())

    def test_it_changes_a_role(self):
        self.login(self.school_admin)
        response = self.client.post(
            self.url("org-member-role"), {"username": "teacher", "role": Role.VIEWER}, follow=True
        )
        self.assertContains(response, "teacher is now Viewer.")
        self.assertEqual(self.role_of(self.teacher), Role.VIEWER)
        event = AuditEvent.objects.filter(object_id=str(self.school_org.public_id)).get()
        self.assertEqual(event.changes, {"member:teacher": [Role.DATA_ENTRY, Role.VIEWER]})
        self.assertEqual(event.username, "school_admin")

    def test_it_refuses_changing_roles_for_everybody_else(self):
        data = {"username": "teacher", "role": Role.ADMIN}
        self.assert_refused(self.url("org-member-role"), self.refused(), method="post", data=data)
        self.assertEqual(self.role_of(self.teacher), Role.DATA_ENTRY)

    def test_it_refuses_a_role_that_does_not_exist_and_a_member_who_does_not_belong(self):
        self.login(self.school_admin)
        self.client.post(self.url("org-member-role"), {"username": "teacher", "role": "god"})
        self.assertEqual(self.role_of(self.teacher), Role.DATA_ENTRY)
        response = self.client.post(self.url("org-member-role"), {"username": "commune", "role": Role.VIEWER})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.role_of(self.commune, self.commune_org), Role.DATA_ENTRY)

    def test_it_does_not_let_an_admin_change_their_own_membership(self):
        self.login(self.school_admin)
        response = self.client.post(
            self.url("org-member-role"), {"username": "school_admin", "role": Role.VIEWER}
        )
        self.assertEqual(response.status_code, 403)
        response = self.client.post(self.url("org-member-remove"), {"username": "school_admin"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.role_of(self.school_admin), Role.ADMIN)

    def test_it_removes_a_membership(self):
        self.login(self.province_admin)
        response = self.client.post(self.url("org-member-remove"), {"username": "teacher"}, follow=True)
        self.assertContains(response, "teacher no longer belongs to THPT Bạc Liêu.")
        self.assertIsNone(self.role_of(self.teacher))
        self.assertTrue(User.objects.filter(username="teacher", is_active=True).exists())

    def test_it_refuses_removing_for_everybody_else(self):
        self.assert_refused(
            self.url("org-member-remove"), self.refused(), method="post", data={"username": "teacher"}
        )
        self.assertEqual(self.role_of(self.teacher), Role.DATA_ENTRY)

    def test_it_deactivates_and_reactivates_a_user(self):
        self.login(self.school_admin)
        response = self.client.post(
            self.url("org-user-active"), {"username": "teacher", "active": "0"}, follow=True
        )
        self.assertContains(response, "teacher can no longer sign in.")
        self.assertFalse(User.objects.get(username="teacher").is_active)
        self.client.logout()
        self.client.post(reverse("login"), {"username": "teacher", "password": "password-teacher"})
        self.assertNotIn("_auth_user_id", self.client.session)
        self.login(self.school_admin)
        self.client.post(self.url("org-user-active"), {"username": "teacher", "active": "1"})
        self.assertTrue(User.objects.get(username="teacher").is_active)
        changes = [
            e.changes
            for e in AuditEvent.objects.filter(object_id=str(self.school_org.public_id)).order_by("id")
        ]
        self.assertEqual(
            changes, [{"user:teacher.is_active": [True, False]}, {"user:teacher.is_active": [False, True]}]
        )

    def test_it_ends_the_sessions_of_a_deactivated_user(self):
        teacher_browser = self.client_class(HTTP_ACCEPT_LANGUAGE="en")
        teacher_browser.force_login(self.teacher)
        self.assertEqual(teacher_browser.get(reverse("home")).status_code, 200)
        self.login(self.school_admin)
        self.client.post(self.url("org-user-active"), {"username": "teacher", "active": "0"})
        response = teacher_browser.get(reverse("home"))
        self.assertRedirects(response, reverse("login") + "?next=/", fetch_redirect_response=False)

    def test_it_refuses_deactivating_for_everybody_else(self):
        self.assert_refused(
            self.url("org-user-active"),
            self.refused(),
            method="post",
            data={"username": "teacher", "active": "0"},
        )
        self.assertTrue(User.objects.get(username="teacher").is_active)

    def test_it_does_not_let_a_school_admin_deactivate_someone_who_also_works_elsewhere(self):
        Membership.objects.create(user=self.teacher, organization=self.cdc, role=Role.ANALYST)
        self.login(self.school_admin)
        response = self.client.post(self.url("org-user-active"), {"username": "teacher", "active": "0"})
        self.assertEqual(response.status_code, 403)
        self.assertTrue(User.objects.get(username="teacher").is_active)
        # the province admin manages both organizations
        self.login(self.province_admin)
        self.client.post(self.url("org-user-active"), {"username": "teacher", "active": "0"})
        self.assertFalse(User.objects.get(username="teacher").is_active)

    def test_it_does_not_let_an_organization_deactivate_an_operator(self):
        operator = User.objects.create_superuser("operator", password="password-operator-2021")
        self.login(self.school_admin)
        self.client.post(self.url("org-member-add"), {"username": "operator", "role": Role.VIEWER})
        response = self.client.post(self.url("org-user-active"), {"username": "operator", "active": "0"})
        self.assertEqual(response.status_code, 403)
        self.assertTrue(User.objects.get(pk=operator.pk).is_active)

    def test_it_refuses_get_on_the_actions(self):
        self.login(self.province_admin)
        for name in ["org-member-add", "org-member-role", "org-member-remove", "org-user-active"]:
            self.assertEqual(self.client.get(self.url(name)).status_code, 405, name)
