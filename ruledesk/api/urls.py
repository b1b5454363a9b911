"""The v1 API: every route of every app, assembled in one place."""

from django.urls import include, path

from ruledesk.access.api.views import PermissionMatrixApi
from ruledesk.api.views import AuthTokenApi, MeApi
from ruledesk.audit.api.views import AuditEventDetailApi, AuditEventListApi
from ruledesk.tenancy.api import views as tenancy

app_name = "api-v1"

urlpatterns = [
    path("auth/token", AuthTokenApi.as_view(), name="auth-token"),
    path("me", MeApi.as_view(), name="me"),
    path("users", tenancy.UserListApi.as_view(), name="user-list"),
    path("users/<int:pk>", tenancy.UserDetailApi.as_view(), name="user-detail"),
    path("teams", tenancy.TeamListApi.as_view(), name="team-list"),
    path("teams/<int:pk>", tenancy.TeamDetailApi.as_view(), name="team-detail"),
    path(
        "teams/<int:pk>/members/<int:user_id>",
        tenancy.TeamMemberApi.as_view(),
        name="team-member",
    ),
    path("permission-matrix", PermissionMatrixApi.as_view(), name="permission-matrix"),
    path("audit-events", AuditEventListApi.as_view(), name="audit-event-list"),
    path("audit-events/<int:pk>", AuditEventDetailApi.as_view(), name="audit-event-detail"),
    path("", include("workflows.api.urls")),
    path("", include("workflows.api.sla_urls")),
    path("", include("rules_engine.api.urls")),
    path("", include("ruledesk.notifications.api.urls")),
    path("", include("reporting.api.urls")),
    path("", include("kb.api.urls")),
]
