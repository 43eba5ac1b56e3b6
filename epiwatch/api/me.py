from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from epiwatch.accounts.access import scope_for
from epiwatch.api import schema  # noqa: F401 - registers the Bearer scheme with the OpenAPI generator


class MembershipOut(serializers.Serializer):
    organization = serializers.CharField()
    organization_id = serializers.UUIDField()
    kind = serializers.CharField()
    area_code = serializers.CharField()
    role = serializers.CharField()


class MeOut(serializers.Serializer):
    username = serializers.CharField()
    memberships = MembershipOut(many=True)


class MeView(APIView):
    """Who the token belongs to and which organizations it acts for."""

    serializer_class = MeOut

    def get(self, request):
        scope = scope_for(request.user)
        return Response(
            {
                "username": request.user.username,
                "memberships": [
                    {
                        "organization": m.organization.code,
                        "organization_id": str(m.organization.public_id),
                        "kind": m.organization.kind,
                        "area_code": m.organization.area.code,
                        "role": m.role,
                    }
                    for m in scope.memberships
                ],
            }
        )
