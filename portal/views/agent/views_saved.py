"""Saving the list as a personal or team view, and storing a view's columns.

The saved view's filters are the list's effective filters (those of the URL over the
view's), checked by `workflows.services.saved_views` exactly as the API checks them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import access
from portal.http import hx_redirect, is_htmx, render_page
from portal.viewmodels import queue as vm
from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import User
from workflows import selectors, ticket_filters
from workflows.models import SavedView
from workflows.services import saved_views as service

from .queue import saved_views_of


def _list_url(query: str) -> str:
    return reverse("portal:desk-home") + (f"?{query}" if query else "")


def _state(request: HttpRequest, user: User) -> vm.ListState:
    """The list state the form was posted from (its query string, carried in `state`)."""
    params = QueryDict(request.POST.get("state", "")[:4000])
    views = {v.pk: v for v in saved_views_of(user)}
    return vm.parse_state(params, views, ticket_filters.DEFAULT_ORDERING)


def _refused(request: HttpRequest, exc: errors.ApplicationError, back: str) -> HttpResponse:
    messages = [str(e.message) for e in exc.errors] or [str(exc.detail)]
    context = {"messages_list": messages, "back": back}
    return render_page(
        request,
        "portal/agent/save_view_refused.html",
        context,
        fragment="portal/agent/_save_view_refused.html",
        status=400 if isinstance(exc, errors.ValidationFailed) else exc.status,
    )


def _go(request: HttpRequest, url: str) -> HttpResponse:
    return hx_redirect(url) if is_htmx(request) else HttpResponseRedirect(url)


@access.requires_any(*access.DESK)
@require_POST
def view_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    state = _state(request, user)
    back = _list_url(state.query())
    name = request.POST.get("name", "").strip()[:100]
    team = request.POST.get("team", "")
    filters = {k: v for k, v in state.filters.items() if v}
    if state.ordering != ticket_filters.DEFAULT_ORDERING:
        filters["ordering"] = state.ordering
    try:
        if not name:
            raise errors.ValidationFailed.on("name", _("Give the view a name."))
        if team and not (team.isascii() and team.isdigit() and len(team) < 16):
            raise errors.ValidationFailed.on("team", _("Choose one of your teams."))
        view = service.saved_view_create(
            actor=user,
            name=name,
            filters=filters,
            shared_with_team_id=int(team) if team else None,
            columns=state.columns if state.columns_from_url else [],
        )
    except errors.ApplicationError as exc:
        return _refused(request, exc, back)
    return _go(request, _list_url(urlencode({"view": view.pk})))


def _own_view(user: User, pk: int) -> SavedView:
    view: SavedView = policy.access_object(selectors.saved_views_visible_to(user), user, pk)
    return view


@access.requires_any(*access.DESK)
@require_POST
def view_columns(request: HttpRequest, pk: int) -> HttpResponse:
    """Store the list's current columns on the view (its owner only, as the API decides)."""
    user: User = request.user  # type: ignore[assignment]
    view = _own_view(user, pk)
    state = _state(request, user)
    try:
        service.saved_view_update(actor=user, view=view, columns=state.columns)
    except errors.ApplicationError as exc:
        return _refused(request, exc, _list_url(state.query()))
    return _go(request, _list_url(urlencode({"view": view.pk})))


@access.requires_any(*access.DESK)
@require_POST
def view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    view = _own_view(user, pk)
    try:
        service.saved_view_delete(actor=user, view=view)
    except errors.ApplicationError as exc:
        return _refused(request, exc, _list_url(f"view={pk}"))
    return _go(request, _list_url(""))
