"""Bulk actions on the list's selected tickets: the API's `POST /api/v1/tickets/bulk`.

The same service (`workflows.services.bulk.tickets_bulk`) decides each ticket on its
own; the answer lists every ticket with its result and, for a refusal, the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import access
from portal.errors import message
from portal.http import render_page, safe_next
from ruledesk import errors
from ruledesk.tenancy.models import User
from workflows import selectors
from workflows.collab import selectors as desk
from workflows.models import Priority
from workflows.numbering import display_number
from workflows.services import bulk, transitions

# Each action and the form field it needs. "macro" joins here once macros exist.
ACTIONS = ("assign", "set_priority", "add_tags", "transition")
MAX_TAGS = 50


@dataclass(frozen=True)
class BulkResult:
    pk: int
    number: str
    url: str | None
    ok: bool
    reason: str


def _params(post: Any, user: User, action: str) -> dict[str, Any]:
    """The service's params for `action`, parsed as the API's BulkInput parses them."""
    if action == "assign":
        raw = post.get("assignee", "")
        if raw == "me":
            return {"assignee": user.pk}
        if raw == "none":
            return {"assignee": None}
        if raw.isascii() and raw.isdigit() and len(raw) < 16:
            return {"assignee": int(raw)}
        if post.get("text", "").strip():
            return {"assignee": _agent_named(user, post["text"])}
        raise errors.ValidationFailed.on("assignee", _("Choose who gets the tickets."))
    if action == "set_priority":
        raw = post.get("priority", "")
        if raw not in Priority.values:
            raise errors.ValidationFailed.on("priority", _("Choose a priority."))
        return {"priority": raw}
    if action == "add_tags":
        tags = list(dict.fromkeys(t.strip() for t in post.get("tags", "").split(",") if t.strip()))
        if not tags or len(tags) > MAX_TAGS or any(len(t) > 50 for t in tags):
            raise errors.ValidationFailed.on(
                "tags", _("Give 1 to 50 tags, separated by commas, each at most 50 characters.")
            )
        return {"tags": tags}
    if action == "transition":
        raw = post.get("transition", "")
        if raw not in transitions.TRANSITIONS:
            raise errors.ValidationFailed.on("transition", _("Choose a status change."))
        return {"name": raw}
    raise errors.ValidationFailed.on("action", _("Choose an action."))


def _agent_named(user: User, text: str) -> int:
    """The agent a typed name or e-mail means, for the form without JavaScript (where the
    autocomplete never ran): an exact e-mail, or the only agent matching."""
    found = desk.agents_matching(user, text[:100])
    exact = [a for a in found if a.user.email.lower() == text.strip().lower()]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0].user.pk
    if not found:
        raise errors.ValidationFailed.on(
            "assignee", _("No agent matches “%(text)s”.") % {"text": text.strip()}
        )
    raise errors.ValidationFailed.on(
        "assignee", _("Several agents match; type more of the name or the e-mail.")
    )


def _ids(post: Any) -> list[int]:
    raw = post.getlist("ids")
    ids = [int(v) for v in raw if v.isascii() and v.isdigit() and len(v) < 16]
    if not ids:
        raise errors.ValidationFailed.on("ids", _("Select at least one ticket."))
    if len(ids) > bulk.MAX_IDS:
        raise errors.ValidationFailed.on(
            "ids", _("Select at most %(count)s tickets.") % {"count": bulk.MAX_IDS}
        )
    return ids


def _results(user: User, outcome: list[bulk.ItemResult]) -> list[BulkResult]:
    ids = [r.id for r in outcome]
    numbers = dict(
        selectors.tickets_visible_to(user).filter(pk__in=ids).values_list("id", "number")
    )
    slug = user.organization.slug if user.organization else ""
    url = reverse("portal:desk-ticket", args=["NUMBER"])
    found = []
    for result in outcome:
        number = (
            display_number(slug, numbers[result.id]) if result.id in numbers else f"#{result.id}"
        )
        reason = "" if result.error is None else message(result.error)
        if isinstance(result.error, errors.NotFound):
            reason = _("Not found, or not visible to you.")
        found.append(
            BulkResult(
                result.id,
                number,
                url.replace("NUMBER", number) if result.id in numbers else None,
                result.error is None,
                reason,
            )
        )
    return found


@access.requires_any(*access.DESK)
@require_POST
def tickets_bulk(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    back = safe_next(request, request.POST.get("next"), reverse("portal:desk-home"))
    action = request.POST.get("action", "")
    context: dict[str, Any] = {"back": back, "results": [], "problem": ""}
    status = 200
    try:
        ids = _ids(request.POST)
        params = _params(request.POST, user, action)
        outcome = bulk.tickets_bulk(actor=user, ids=ids, action=action, params=params)
    except errors.ApplicationError as exc:
        context["problem"] = (
            "; ".join(str(e.message) for e in exc.errors) if exc.errors else message(exc)
        )
        status = exc.status
    else:
        context["results"] = _results(user, outcome)
        context["refused"] = sum(1 for r in context["results"] if not r.ok)
        context["done"] = len(context["results"]) - context["refused"]
    response = render_page(
        request,
        "portal/agent/bulk_results.html",
        context,
        fragment="portal/agent/_bulk_results.html",
        status=status,
    )
    response["HX-Trigger"] = "queue-refresh"
    return response
