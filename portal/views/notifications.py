"""The notification center: the header badge, the feed with filters, mark read, deep links."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import access
from portal.forms.notifications import FeedFilterForm
from portal.http import redirect_or_fragment, render_page, safe_next
from portal.viewmodels.notifications import feed_rows, ticket_url
from ruledesk import errors
from ruledesk.notifications import selectors, services
from ruledesk.tenancy.models import User


@access.login_required
@require_GET
def center(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = FeedFilterForm(request.GET)
    if not form.is_valid():
        raise errors.ValidationFailed(_("These filters are not valid."))
    feed = selectors.feed_visible_to(user, unread=form.unread(), kind=form.cleaned_data["kind"])
    page = selectors.feed_page(feed, cursor=form.cleaned_data["cursor"])
    context = {
        "form": form,
        "page": page,
        "items": feed_rows(page.rows),
        "next_query": form.query_with(cursor=page.next) if page.next else "",
        "previous_query": form.query_with(cursor=page.previous) if page.previous else "",
    }
    return render_page(
        request,
        "portal/notifications/center.html",
        context,
        fragment="portal/notifications/_page.html",
    )


@access.login_required
@require_GET
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The header's unread count, polled; answers 304 while the count is unchanged."""
    count = selectors.feed_visible_to(request.user, unread=True).count()  # type: ignore[arg-type]
    etag = '"' + hashlib.sha256(f"{request.user.pk}:{count}".encode()).hexdigest()[:16] + '"'
    if request.headers.get("If-None-Match") == etag:
        unchanged = HttpResponseNotModified(headers={"ETag": etag})
        patch_vary_headers(unchanged, ["HX-Request"])
        return unchanged
    response = render_page(request, "portal/components/_bell.html", {"unread_count": count})
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@access.login_required
@require_POST
def read_one(request: HttpRequest, pk: int) -> HttpResponse:
    services.notification_mark_read(actor=request.user, notification_id=pk)  # type: ignore[arg-type]
    return redirect_or_fragment(request, _back(request))


@access.login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(actor=request.user)  # type: ignore[arg-type]
    return redirect_or_fragment(request, _back(request))


@access.login_required
@require_GET
def open_one(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's deep link, marking it read on the way."""
    user: User = request.user  # type: ignore[assignment]
    notification = selectors.feed_visible_to(user).filter(pk=pk).first()
    if notification is None:
        raise errors.NotFound()
    services.notification_mark_read(actor=user, notification_id=notification.pk)
    return HttpResponseRedirect(ticket_url(user, notification) or reverse("portal:notifications"))


def _back(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next"), reverse("portal:notifications"))
