"""GET /api/v1/me with a Bearer token, without one, with a revoked one; errors as {"error", "details"}."""

from django.test import RequestFactory, SimpleTestCase
from django.urls import reverse

from epiwatch.accounts.models import ApiToken, Role
from epiwatch.api.errors import page_not_found
from epiwatch.testing import BaseTestCase


class ApiMeTestCase(BaseTestCase):
    url = reverse("api-me")

    def setUp(self):
        super().setUp()
        self.token, self.raw = ApiToken.issue(self.commune, name="test")

    def get(self, authorization=None):
        headers = {"Authorization": authorization} if authorization is not None else {}
        return self.client.get(self.url, headers=headers)

    def test_it_tells_who_the_token_belongs_to(self):
        response = self.get(f"Bearer {self.raw}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "username": "commune",
                "memberships": [
                    {
                        "organization": "bl-tyt-31813",
                        "organization_id": str(self.commune_org.public_id),
                        "kind": "commune_station",
                        "area_code": "31813",
                        "role": Role.DATA_ENTRY,
                    }
                ],
            },
        )
        self.token.refresh_from_db()
        self.assertIsNotNone(self.token.last_used_at)

    def test_it_never_shows_integer_ids(self):
        body = self.get(f"Bearer {self.raw}").json()
        self.assertNotIn("id", body)
        self.assertNotIn("id", body["memberships"][0])

    def test_it_refuses_a_request_without_a_token(self):
        response = self.get()
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response["WWW-Authenticate"], "Bearer")
        self.assertEqual(
            response.json(), {"error": "Authentication credentials were not provided.", "details": []}
        )

    def test_it_refuses_a_revoked_token(self):
        self.token.revoke()
        response = self.get(f"Bearer {self.raw}")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json(), {"error": "Invalid or revoked token", "details": []})

    def test_it_refuses_an_unknown_or_malformed_token(self):
        self.assertEqual(self.get("Bearer ew_not-a-token").json()["error"], "Invalid or revoked token")
        response = self.get("Bearer")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"], "Authorization header must be 'Bearer <token>'")
        self.assertEqual(self.get(f"Bearer {self.raw} extra").status_code, 401)

    def test_it_refuses_the_token_of_a_deactivated_user(self):
        self.commune.is_active = False
        self.commune.save()
        self.assertEqual(self.get(f"Bearer {self.raw}").status_code, 401)

    def test_it_answers_a_signed_in_browser_too(self):
        self.client.force_login(self.province_admin)
        self.assertEqual(self.get().json()["username"], "province_admin")

    def test_it_shows_a_user_without_membership_an_empty_list(self):
        _token, raw = ApiToken.issue(self.outsider)
        self.assertEqual(self.get(f"Bearer {raw}").json(), {"username": "outsider", "memberships": []})


class ApiNotFoundTestCase(SimpleTestCase):
    def test_it_answers_unknown_api_paths_in_the_api_error_shape(self):
        response = page_not_found(RequestFactory().get("/api/v1/nothing-here"))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertJSONEqual(
            response.content, {"error": "Not found", "details": ["No endpoint at /api/v1/nothing-here"]}
        )

    def test_it_leaves_pages_to_the_html_404(self):
        response = page_not_found(RequestFactory().get("/people/nothing-here"), None)
        self.assertEqual(response.status_code, 404)
        self.assertIn("text/html", response["Content-Type"])


class ApiSchemaTestCase(BaseTestCase):
    def test_it_documents_bearer_tokens_in_the_schema(self):
        response = self.client.get(reverse("openapi"), {"format": "json"})
        self.assertEqual(response.status_code, 200)
        schema = response.json()
        self.assertEqual(schema["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer")
        self.assertIn({"bearerAuth": []}, schema["paths"]["/api/v1/me"]["get"]["security"])
