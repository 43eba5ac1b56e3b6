from epiwatch.accounts import audit


class ActorMiddleware:
    """Makes the signed-in user (and their first organization) the actor of every audit event in the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if request.user.is_authenticated else None
        organization = None
        if user is not None:
            from epiwatch.accounts.access import scope_for

            memberships = scope_for(user).memberships
            organization = memberships[0].organization if memberships else None
        with audit.acting(user=user, organization=organization, via="web"):
            return self.get_response(request)
