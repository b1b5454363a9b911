"""The tenant guard in front of Wagtail's admin at /cms/, and the admin's own CSP.

Wagtail is not multi-tenant: its global screens (sites, users, groups, workflows,
settings, snippets, collections, reports) are for platform operators only, and the
page chooser must not browse another organization's tree. Everything else under
/cms/ is confined by Wagtail's permission policies to the editor's own root page
and collection (the group `kb.services.tenancy` sets up). Wagtail's admin needs
inline scripts and styles, so /cms/ gets a looser CSP of its own; the portal's
strict policy is untouched because this middleware only acts on /cms/.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

Handler = Callable[[HttpRequest], HttpResponse]

PREFIX = "/cms/"
CMS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)
# Screens of Wagtail that are global by design (operators only; 404 for everyone else).
OPERATOR_ONLY = (
    "reports/",
    "sites/",
    "users/",
    "groups/",
    "workflows/",
    "snippets/",
    "settings/",
    "locales/",
    "redirects/",
    "collections/",
    "bulk/wagtailusers/",
)
# Served to every member of the file's organization (images and documents of articles).
MEMBER_FILES = ("media/", "kb-documents/")
# Wagtail's own sign-in and password reset: Ruledesk's sign-in (rate limited) replaces them.
OWN_SIGN_IN = ("login/", "password_reset/")


class CmsGuardMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        response = self._refused(request) or self.get_response(request)
        response["Content-Security-Policy"] = CMS_CSP
        response["X-Frame-Options"] = "SAMEORIGIN"
        return response

    def _refused(self, request: HttpRequest) -> HttpResponse | None:
        rest = request.path[len(PREFIX) :]
        user = request.user
        if rest.startswith(OWN_SIGN_IN):
            return redirect_to_login(request.GET.get("next") or PREFIX, "portal:login")
        if not user.is_authenticated:
            if rest.startswith(MEMBER_FILES):
                return redirect_to_login(request.get_full_path(), "portal:login")
            return None  # Wagtail's own check sends strangers to sign in
        if rest.startswith(MEMBER_FILES):
            return None  # the file views check membership of the owning organization
        if user.is_superuser:
            return None
        if rest.startswith(OPERATOR_ONLY):
            raise Http404
        if not user.has_perm("wagtailadmin.access_admin"):
            raise PermissionDenied
        return None
