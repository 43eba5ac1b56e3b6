"""First sign-in with a handed-over password: the user replaces it before using anything else.

The sign-in view puts a flag in the session when the user's profile says `must_change_password`; this middleware
sends every page of such a session to the password change page. Reading the session costs no query, so the check
is free for everyone else.
"""

from django.shortcuts import redirect
from django.urls import reverse

MUST_CHANGE_SESSION_KEY = "epiwatch_must_change_password"


class MustChangePasswordMiddleware:
    """Place after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(MUST_CHANGE_SESSION_KEY) and request.user.is_authenticated:
            allowed = {reverse("password-change"), reverse("logout"), reverse("set_language")}
            if request.path not in allowed:
                return redirect("password-change")
        return self.get_response(request)
