"""The desk's home: the ticket list with its views, filter chips, columns, SLA and live refresh.

parse (the URL) -> access (the desk) -> selectors (the API's filters and keyset pages) ->
render. The list body is also the poll fragment: it answers 304 while nothing changed.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal import access
from portal.http import is_htmx, render_page
from portal.viewmodels import queue as vm
from portal.viewmodels import queue_rows as rows_vm
from portal.views.agent.names import filter_names
from ruledesk import errors, keyset
from ruledesk.access import policy
from ruledesk.tenancy import selectors as tenancy
from ruledesk.tenancy.models import User
from workflows import lookups, search, selectors, ticket_filters
from workflows.models import Priority, SavedView, Status
from workflows.sla import selectors as sla_selectors

SAVED_VIEWS_SHOWN = 50


def transition_labels() -> dict[str, str]:
    """The status changes a bulk action offers (reopen needs a reason, so it is not one)."""
    return {
        "open": _("Open"),
        "wait_on_requester": _("Wait on requester"),
        "resume": _("Resume"),
        "resolve": _("Resolve"),
        "close": _("Close"),
    }


def saved_views_of(user: User) -> list[SavedView]:
    return list(selectors.saved_views_visible_to(user).order_by("name", "id")[:SAVED_VIEWS_SHOWN])


def _sidebar(user: User, views: list[SavedView], state: vm.ListState) -> list[dict[str, Any]]:
    """Each view with its capped count (one query for all of them)."""
    visible = selectors.tickets_visible_to(user)
    entries: list[dict[str, Any]] = []
    lists = []
    for key, (label, filters) in vm.DEFAULT_VIEWS.items():
        entries.append({"key": key, "label": str(label), "team": None, "query": f"view={key}"})
        lists.append(ticket_filters.apply(visible, filters, user))
    for view in views:
        entry: dict[str, Any] = {
            "key": str(view.pk),
            "label": view.name,
            "team": view.shared_with_team.name if view.shared_with_team else None,
            "query": f"view={view.pk}",
        }
        try:
            lists.append(ticket_filters.apply(visible, view.filters, user))
        except errors.ValidationFailed:
            entry["broken"] = True
        entries.append(entry)
    counts = iter(lookups.capped_counts(lists, vm.COUNT_CAP))
    for entry in entries:
        entry["current"] = entry["key"] == state.view_key
        if not entry.get("broken"):
            count = next(counts)
            entry["count"] = f"{vm.COUNT_CAP}+" if count > vm.COUNT_CAP else str(count)
    return entries


def _etag(request: HttpRequest, state: vm.ListState, data: Any, minute: str) -> str:
    language = getattr(request, "LANGUAGE_CODE", "")
    raw = repr((request.user.pk, language, state.params, state.cursor, data, minute))
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:20] + '"'


def list_context(request: HttpRequest, user: User) -> tuple[dict[str, Any], str]:
    views = saved_views_of(user)
    state = vm.parse_state(request.GET, {v.pk: v for v in views}, ticket_filters.DEFAULT_ORDERING)
    now = timezone.now()
    problems: list[dict[str, str]] = []
    page = keyset.Page([], None, None)
    try:
        tickets = ticket_filters.apply(selectors.tickets_visible_to(user), state.filters, user)
        ordering = ticket_filters.ordering({"ordering": state.ordering})
        page = keyset.page(
            selectors.page_keys(tickets, ordering), ordering, cursor=state.cursor, size=25
        )
    except errors.ValidationFailed as exc:
        labels = vm.filter_labels()
        labels.update({"ordering": _("Sort"), "cursor": _("Page")})
        problems = [
            {"field": e.field, "label": labels.get(e.field, e.field), "message": str(e.message)}
            for e in exc.errors
        ] or [{"field": "", "label": "", "message": str(exc.detail)}]
    fetched = selectors.page_rows(page.rows)
    calendars = sla_selectors.policy_calendars(
        r["sla_policy_id"] for r in fetched.rows if r["sla_policy_id"]
    )
    text = state.filters.get("q", "")
    marks = search.headlines([r["id"] for r in fetched.rows], text) if text else {}
    slug = user.organization.slug if user.organization else ""
    rows = rows_vm.queue_rows(
        fetched.rows,
        fetched.tags,
        slug=slug,
        calendars=calendars,
        now=now,
        marks=marks,
        columns=state.columns,
    )
    sidebar = _sidebar(user, views, state)
    data = (fetched.rows, fetched.tags, [e.get("count") for e in sidebar])
    etag = _etag(request, state, data, now.strftime("%Y%m%d%H%M"))
    bad = {p["field"] for p in problems}
    current = next((e for e in sidebar if e["current"]), sidebar[0])
    labels = transition_labels()
    context = {
        "state": state,
        "rows": rows,
        "headers": vm.headers(state),
        "columns": state.columns,
        "column_choices": vm.column_choices(state),
        "chips": vm.chips(state, filter_names(user, state.filters), bad),
        "problems": problems,
        "sidebar": sidebar,
        "view_title": current["label"],
        "next_query": state.query(cursor=page.next) if page.next else "",
        "previous_query": state.query(cursor=page.previous) if page.previous else "",
        "self_query": state.query(cursor=state.cursor),
        "can_bulk": policy.can(user, "ticket.bulk"),
        "can_share": policy.can(user, "saved_views.share"),
        "own_view": state.saved is not None and state.saved.owner_id == user.pk,
        "my_teams": list(
            tenancy.teams_visible_to(user)
            .filter(memberships__user=user)
            .order_by("name")
            .values_list("id", "name")[:100]
        ),
        "filter_form": _filter_form(state),
        "searching": bool(text),
        "oob": is_htmx(request),
        "problems_fields": bad,
        "status_choices": Status.choices,
        "priority_choices": Priority.choices,
        "sla_choices": list(vm.sla_labels().items()),
        "transition_choices": [(name, labels[name]) for name in labels],
        "picker_kinds": [
            ("assignee", _("Assignee")),
            ("team", _("Team")),
            ("category", _("Category")),
            ("tag", _("Tag")),
            ("requester", _("Requester")),
        ],
        "assignee_me_query": state.with_filter("assignee", "me"),
        "assignee_none_query": state.with_filter("assignee", "none"),
    }
    return context, etag


def _filter_form(state: vm.ListState) -> dict[str, Any]:
    """The filter panel's current values, for a form that works without JavaScript."""
    f = state.filters
    return {
        "status": set(f.get("status", "").split(",")),
        "priority": set(f.get("priority", "").split(",")),
        "sla": set(f.get("sla", "").split(",")),
        "q": f.get("q", ""),
        "created_after": f.get("created_after", ""),
        "created_before": f.get("created_before", ""),
        "keep": {k: v for k, v in state.params.items() if k in ("view", "ordering", "cols")},
        "ids": {k: f.get(k, "") for k in ("assignee", "team", "category", "tag", "requester")},
    }


@access.requires_any(*access.DESK)
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context, etag = list_context(request, user)
    context["etag"] = etag
    if is_htmx(request) and request.headers.get("If-None-Match") == etag:
        unchanged = HttpResponseNotModified(headers={"ETag": etag})
        patch_vary_headers(unchanged, ["HX-Request"])
        return unchanged
    response = render_page(
        request, "portal/agent/queue.html", context, fragment="portal/agent/_queue_list.html"
    )
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response
