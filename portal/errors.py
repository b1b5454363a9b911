"""The one mapping of domain errors to what a person sees in the portal.

Field errors land on the form's fields; NotFound and PermissionDenied become
404/403 pages (or fragments under htmx); RateLimited a 429 with Retry-After;
anything else a service refuses is shown with its own message. The API maps
the same exceptions to problem+json in `ruledesk.api.errors`.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from portal.http import is_htmx, render_page
from ruledesk import errors

Handler = Callable[[HttpRequest], HttpResponse]


def apply_to_form(form: forms.Form, exc: errors.ApplicationError) -> None:
    """Put each field error of `exc` on its field (or the form when no field matches)."""
    for error in exc.errors:
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error.message))
    if not exc.errors:
        form.add_error(None, message(exc))


def message(exc: errors.ApplicationError) -> str:
    """The service's own words, with when to try again for a rate limit."""
    if isinstance(exc, errors.RateLimited):
        minutes = max(1, -(-exc.retry_after // 60))
        wait = _("Try again in %(minutes)s min.") % {"minutes": minutes}
        return f"{exc.detail} {wait}"
    return str(exc.detail)


def _titles() -> dict[int, str]:
    return {
        400: _("This request could not be completed"),
        403: _("You do not have access to this"),
        404: _("Page not found"),
        409: _("This could not be done now"),
        410: _("This link is no longer valid"),
        412: _("This changed since you opened it"),
        429: _("Too many attempts"),
    }


def error_response(
    request: HttpRequest, status: int, detail: str, *, retry_after: int | None = None
) -> HttpResponse:
    """A full error page, or under htmx a toast appended to the page's status region."""
    title = _titles().get(status, _("Something went wrong"))
    context = {"status": status, "title": title, "detail": detail, "retry_after": retry_after}
    response = render_page(
        request,
        "portal/errors/page.html",
        context,
        fragment="portal/errors/_toast.html",
        status=status,
    )
    if is_htmx(request):
        response["HX-Retarget"] = "#toasts"
        response["HX-Reswap"] = "beforeend"
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _detail(exc: errors.ApplicationError, status: int) -> str:
    if isinstance(exc, errors.NotFound):
        return _("It may have been removed, or the address is mistyped.")
    if isinstance(exc, errors.PermissionDenied):
        return _("Ask an administrator of your organization if you need it.")
    return str(exc.detail) if exc.detail else _titles().get(status, "")


def response_for(request: HttpRequest, exc: Exception) -> HttpResponse | None:
    """The portal's answer to `exc`, or None when it is not a refusal the portal explains."""
    if isinstance(exc, errors.RateLimited):
        return error_response(request, 429, message(exc), retry_after=exc.retry_after)
    if isinstance(exc, errors.NotAuthenticated):
        return None
    if isinstance(exc, errors.ApplicationError):
        return error_response(request, exc.status, _detail(exc, exc.status))
    if isinstance(exc, Http404):
        return error_response(request, 404, _detail(errors.NotFound(), 404))
    if isinstance(exc, DjangoPermissionDenied):
        return error_response(request, 403, _detail(errors.PermissionDenied(), 403))
    return None


class PortalErrorMiddleware:
    """Turn domain refusals raised in portal views into pages; the API maps its own."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        return response_for(request, exception)
