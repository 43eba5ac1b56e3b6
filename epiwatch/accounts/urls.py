from django.contrib.auth import views as auth_views
from django.urls import path

from epiwatch.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("set-password/<str:token>/", views.set_password, name="set-password"),
    path("orgs/", views.org_list, name="org-list"),
    path("orgs/new/", views.org_onboard, name="org-onboard"),
    path("orgs/<uuid:public_id>/", views.org_detail, name="org-detail"),
    path("orgs/<uuid:public_id>/members/add/", views.org_member_add, name="org-member-add"),
    path("orgs/<uuid:public_id>/members/new/", views.org_user_create, name="org-user-create"),
    path("orgs/<uuid:public_id>/members/role/", views.org_member_role, name="org-member-role"),
    path("orgs/<uuid:public_id>/members/remove/", views.org_member_remove, name="org-member-remove"),
    path("orgs/<uuid:public_id>/members/active/", views.org_user_active, name="org-user-active"),
    path("audit/", views.audit_search, name="audit-search"),
]
