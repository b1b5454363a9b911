"""The ticket detail: page, title, transitions, properties, pickers, reopen approvals.

Each write is parse → version check (the API's If-Match) → the service the API calls →
the refreshed workspace; a refusal explains itself (portal/views/agent/workspace.py).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal import access
from portal.http import render_page
from portal.views.agent import workspace as ws
from ruledesk import errors
from ruledesk.tenancy.models import User
from ruledesk.versioning import etag_for
from workflows import services
from workflows.collab import selectors as desk
from workflows.models import Priority, ReopenApproval

DESK = access.DESK


@access.requires_any(*DESK)
@require_http_methods(["GET"])
def detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = ws.ticket_by_number(request.user, number)  # type: ignore[arg-type]
    return ws.page(
        request,
        ticket,
        editing_title=request.GET.get("edit") == "title",
        # The board's "Reopen with a reason…" lands here with the reason form open.
        reopening=request.GET.get("reopen") == "1",
    )


@access.requires_any(*DESK)
@require_POST
def title(request: HttpRequest, number: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    ticket = ws.ticket_by_number(user, number)
    value = request.POST.get("title", "").strip()
    try:
        ws.check_fresh(request, ticket)
        if not value:
            raise errors.ValidationFailed.on("title", _("A ticket needs a title."), "blank")
        if len(value) > 200:
            raise errors.ValidationFailed.on("title", _("At most 200 characters."), "max_length")
        services.ticket_update(actor=user, ticket=ticket, title=value)
    except errors.ApplicationError as exc:
        return ws.refused(request, ticket, exc, editing_title=True, title_draft=value)
    return ws.changed(request, ticket, _("Title saved."))


@access.requires_any(*DESK)
@require_POST
def transition(request: HttpRequest, number: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    ticket = ws.ticket_by_number(user, number)
    name = request.POST.get("name", "")
    reason = request.POST.get("reason", "")
    try:
        ws.check_fresh(request, ticket)
        result = services.ticket_transition(actor=user, ticket=ticket, name=name, reason=reason)
    except errors.ApplicationError as exc:
        return ws.refused(request, ticket, exc, reason_draft=reason)
    if isinstance(result, ReopenApproval):
        return ws.changed(request, ticket, _("Reopen requested; an approver decides."))
    return ws.changed(request, ticket, _("Status changed."))


def _ids(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 16 else None


def _property(field: str, post: Any, ticket: Any) -> dict[str, Any]:
    """The keyword `ticket_update` takes for one property form (as the API's PATCH maps it)."""
    value = post.get("value", "")
    if field == "priority":
        if value not in Priority.values:
            raise errors.ValidationFailed.on("priority", _("Unknown priority."), "invalid_choice")
        return {"priority": value}
    if field in ("assignee", "team", "category"):
        if value in ("", "none"):
            return {f"{field}_id": None}
        ref = _ids(value)
        if ref is None:
            raise errors.ValidationFailed.on(field, _("Choose from the list."), "invalid")
        return {f"{field}_id": ref}
    if field == "tags":
        current = [t.name for t in ticket.tags.all()]
        if post.get("remove"):
            return {"tags": [t for t in current if t != post["remove"]]}
        added = value.strip()
        if not added or len(added) > 50:
            raise errors.ValidationFailed.on("tags", _("A tag has 1 to 50 characters."), "invalid")
        return {"tags": [*current, added]}
    raise errors.ValidationFailed.on("field", _("This property cannot be edited."), "invalid")


@access.requires_any(*DESK)
@require_POST
def properties(request: HttpRequest, number: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    ticket = ws.ticket_by_number(user, number)
    field = request.POST.get("field", "")
    try:
        ws.check_fresh(request, ticket)
        services.ticket_update(actor=user, ticket=ticket, **_property(field, request.POST, ticket))
    except errors.ApplicationError as exc:
        return ws.refused(request, ticket, exc)
    label = ws.field_labels().get(field, field)
    return ws.changed(request, ticket, _("%(field)s saved.") % {"field": label})


PICKERS = ("assignee", "team", "category", "tags")


@access.requires_any(*DESK)
@require_http_methods(["GET"])
def pick(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    """Autocomplete options for one property (at most 10); a small page without scripts."""
    user: User = request.user  # type: ignore[assignment]
    ticket = ws.ticket_by_number(user, number)
    if kind not in PICKERS:
        raise errors.NotFound()
    query = request.GET.get("q", "")[:100]
    options: list[dict[str, Any]] = []
    if kind == "assignee":
        for row in desk.agents_matching(user, query):
            options.append(
                {
                    "value": row.user.pk,
                    "label": row.user.display_name,
                    "hint": _("%(count)s open") % {"count": row.open_tickets},
                }
            )
    elif kind == "team":
        options = [{"value": t.pk, "label": t.name} for t in desk.teams_matching(user, query)]
    elif kind == "category":
        options = [{"value": c.pk, "label": c.name} for c in desk.categories_matching(user, query)]
    else:
        options = [{"value": t.name, "label": t.name} for t in desk.tags_matching(user, query)]
        if query.strip() and not any(o["label"].lower() == query.strip().lower() for o in options):
            options.append({"value": query.strip(), "label": query.strip(), "hint": _("new tag")})
    ctx = {
        "ticket": ticket,
        "label": ws.label(ticket),
        "version": request.GET.get("version") or etag_for(ticket),
        "kind": kind,
        "field": "tags" if kind == "tags" else kind,
        "query": query,
        "options": options,
        "field_labels": ws.field_labels(),
    }
    return render_page(
        request, "portal/agent/ticket/pick.html", ctx, fragment="portal/agent/ticket/_options.html"
    )


@access.requires_any(*DESK)
@require_POST
def approval(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    ticket = ws.ticket_by_number(user, number)
    found = ticket.reopen_approvals.filter(pk=pk).first()
    if found is None:
        raise errors.NotFound()
    approve = request.POST.get("decision") == "approve"
    try:
        services.reopen_approval_decide(actor=user, approval=found, approve=approve)
    except errors.ApplicationError as exc:
        return ws.refused(request, ticket, exc)
    note = _("Reopen approved; the ticket is open.") if approve else _("Reopen rejected.")
    return ws.changed(request, ticket, note)
