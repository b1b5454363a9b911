"""The ticket workspace's shared parts: loading a ticket by number, its context, answers.

Every view of the ticket screen loads the ticket the same way (`ACME-42`, `#42` or `42`
inside the viewer's organization), builds the same context and answers a change the
same way: under htmx the refreshed workspace (and a toast), otherwise a redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.errors import message as error_message
from portal.http import is_htmx, render_page
from reporting import csat
from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import User
from ruledesk.versioning import etag_for, is_current
from rules_engine import selectors as rules
from workflows import selectors
from workflows.collab import macros
from workflows.collab import selectors as desk
from workflows.history import history_references, history_visible_to
from workflows.models import ApprovalStatus, Priority, Status, Ticket
from workflows.services import transitions_available
from workflows.sla.clocks import clocks_of

PAGE = "portal/agent/ticket/page.html"
WORKSPACE = "portal/agent/ticket/_workspace.html"
TABS = ("details", "history", "rules")


def ticket_by_number(user: User, number: str) -> Ticket:
    """`ACME-42`, `#42` or `42` within the user's organization and visibility; 404 otherwise."""
    digits = number.rsplit("-", 1)[-1].lstrip("#")
    if not digits.isdigit() or len(digits) > 9:
        raise errors.NotFound()
    ticket = (
        selectors.with_related(selectors.tickets_visible_to(user))
        .select_related("organization", "sla_policy__calendar")
        .filter(number=int(digits))
        .first()
    )
    if ticket is None:
        raise errors.NotFound()
    return ticket


def ticket_url(ticket: Ticket, name: str = "desk-ticket", **kwargs: Any) -> str:
    return reverse(f"portal:{name}", kwargs={"number": label(ticket), **kwargs})


def label(ticket: Ticket) -> str:
    return f"{ticket.organization.slug.upper()}-{ticket.number}"


def stale(request: HttpRequest, ticket: Ticket) -> bool:
    """Did the form come from an older version of the ticket (the API's If-Match check)?"""
    return not is_current(ticket, request.POST.get("version") or None)


def check_fresh(request: HttpRequest, ticket: Ticket) -> None:
    if stale(request, ticket):
        raise errors.PreconditionFailed(
            _("This ticket changed since you opened it. Review the changes and try again.")
        )


@dataclass(frozen=True)
class ThreadItem:
    at: datetime
    kind: str  # "comment" or "event"
    comment: Any = None
    event: Any = None


def _event_text(entry: Any, refs: dict[str, dict[int, Any]]) -> tuple[str, str]:
    def show(value: Any) -> str:
        if value in (None, ""):
            return _("none")
        if entry.field in refs and isinstance(value, int):
            found = refs[entry.field].get(value)
            return str(getattr(found, "display_name", None) or found) if found else f"#{value}"
        if entry.field == "status":
            return str(dict(Status.choices).get(value, value))
        if entry.field == "priority":
            return str(dict(Priority.choices).get(value, value))
        return str(value)

    return show(entry.before), show(entry.after)


def field_labels() -> dict[str, str]:
    return {
        "status": _("Status"),
        "priority": _("Priority"),
        "assignee": _("Assignee"),
        "team": _("Team"),
        "category": _("Category"),
        "title": _("Title"),
        "tags": _("Tags"),
    }


def context(request: HttpRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    """Everything the ticket page and its workspace fragment show (a fixed number of queries)."""
    user: User = request.user  # type: ignore[assignment]
    tab = request.GET.get("tab") or request.POST.get("tab") or "details"
    tab = tab if tab in TABS else "details"
    can_rules = policy.can(user, rules.MANAGE)
    if tab == "rules" and not can_rules:
        tab = "details"
    comments = list(
        selectors.comments_visible_to(user, ticket)
        .prefetch_related(None)
        .order_by("created_at", "id")
    )
    entries = [
        e for e in history_visible_to(user, ticket, comments=comments) if e.kind != "comment"
    ]
    refs = history_references(entries, ticket)
    events: list[dict[str, Any]] = []
    labels = field_labels()
    for entry in entries:
        before, after = _event_text(entry, refs)
        events.append(
            {
                "entry": entry,
                "before": before,
                "after": after,
                "label": labels.get(entry.field, entry.field),
            }
        )
    thread = [ThreadItem(c.created_at, "comment", comment=c) for c in comments]
    thread += [ThreadItem(e["entry"].at, "event", event=e) for e in events]
    thread.sort(key=lambda item: (item.at, item.kind == "comment"))
    # A reopen request exists only for a ticket that was resolved: skip the read otherwise.
    may_have_requests = ticket.status in (Status.RESOLVED, Status.CLOSED) or ticket.reopen_count
    can_approve = bool(may_have_requests) and policy.can(user, "ticket.reopen.approve", ticket)
    approvals = (
        list(
            ticket.reopen_approvals.select_related("requested_by", "decided_by").order_by(
                "-created_at"
            )[:5]
        )
        if can_approve
        else []
    )
    executions: list[Any] = []
    if tab == "rules":
        executions = list(
            rules.executions_of_ticket(user, ticket.pk).order_by("-created_at", "-id")[:25]
        )
        rules.traces_fill(executions)
    specs = transitions_available(actor=user, ticket=ticket)
    return {
        "ticket": ticket,
        "label": label(ticket),
        "version": etag_for(ticket),
        "tab": tab,
        "thread": thread,
        "history": events,
        "clocks": clocks_of(ticket),
        "transitions": [s for s in specs if s.name != "reopen"],
        "can_reopen": any(s.name == "reopen" for s in specs),
        "approvals": approvals,
        "pending_approval": any(a.status == ApprovalStatus.PENDING for a in approvals),
        "recent": desk.requester_recent(user, ticket),
        "csat": csat.latest_answer(ticket.pk),
        "suggested": desk.least_loaded_in_team(ticket),
        "macros": list(macros.macros_visible_to(user).order_by("name", "pk")[:20]),
        "executions": executions,
        "can_rules": can_rules,
        "can_update": policy.can(user, "ticket.update", ticket),
        "can_assign": policy.can(user, "ticket.assign", ticket),
        "can_internal": policy.can(user, "comment.create_internal", ticket),
        "can_public": policy.can(user, "comment.create_public", ticket),
        "show_internal": policy.can(user, "comment.view_internal", ticket),
        "priorities": Priority.choices,
        "field_labels": field_labels(),
        **extra,
    }


def page(request: HttpRequest, ticket: Ticket, *, status: int = 200, **extra: Any) -> HttpResponse:
    return render_page(
        request, PAGE, context(request, ticket, **extra), fragment=WORKSPACE, status=status
    )


def changed(request: HttpRequest, ticket: Ticket, note: str) -> HttpResponse:
    """After a successful change: the refreshed workspace with a toast, or a redirect."""
    if not is_htmx(request):
        messages.success(request, note)
        return HttpResponseRedirect(ticket_url(ticket))
    fresh = ticket_by_number(request.user, str(ticket.number))  # type: ignore[arg-type]
    html = render_to_string(WORKSPACE, context(request, fresh), request=request)
    toast = render_to_string(
        "portal/agent/ticket/_toast.html", {"note": note, "kind": "success"}, request=request
    )
    response = HttpResponse(html + toast)
    response["Vary"] = "HX-Request"
    return response


def refused(
    request: HttpRequest, ticket: Ticket, exc: errors.ApplicationError, **extra: Any
) -> HttpResponse:
    """A refused change explains itself: a toast (and the current workspace) under htmx,
    else the page again with the reason on top; the caller's draft stays in `extra`."""
    note = error_message(exc)
    fresh = ticket_by_number(request.user, str(ticket.number))  # type: ignore[arg-type]
    if not is_htmx(request):
        return page(request, fresh, status=exc.status, refusal=note, **extra)
    html = render_to_string(
        "portal/agent/ticket/_refused.html",
        {**context(request, fresh, **extra), "note": note},
        request=request,
    )
    response = HttpResponse(html, status=exc.status)
    response["HX-Retarget"] = "#toasts"
    response["HX-Reswap"] = "beforeend"
    response["Vary"] = "HX-Request"
    return response


def stale_seen(seen: str, ticket: Ticket) -> bool:
    return not is_current(ticket, seen)
