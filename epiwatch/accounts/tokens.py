"""API authentication: `Authorization: Bearer <token>`."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from epiwatch.accounts import audit
from epiwatch.accounts.models import ApiToken


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in ("bearer", "token"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <token>'")
        token = ApiToken.objects.find(header[1])
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        from epiwatch.accounts.access import scope_for

        memberships = scope_for(token.user).memberships
        # the API has no middleware pass after authentication: set the audit actor here
        audit._actor.set(
            audit.Actor(
                user=token.user, organization=memberships[0].organization if memberships else None, via="api"
            )
        )
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
