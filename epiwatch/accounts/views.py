from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from epiwatch.accounts.access import scope_for


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    scope = scope_for(request.user)
    return render(request, "accounts/home.html", {"scope": scope, "memberships": scope.memberships})
