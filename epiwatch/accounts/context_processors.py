from epiwatch.accounts.access import scope_for


def scope(request):
    """`scope` and `memberships` in every template (reads the memberships once per request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    s = scope_for(user)
    return {"scope": s, "memberships": s.memberships}
