"""Cards and columns of the Kanban board, built once in Python with their labels and URLs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from workflows import ticket_filters
from workflows.models import Priority, Status
from workflows.services.transitions import TransitionSpec


@dataclass(frozen=True)
class Move:
    target: str
    label: str
    # Reopen: the card links to the ticket page's reason form instead of moving.
    needs_reason: bool = False


@dataclass(frozen=True)
class Card:
    number: str
    title: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    sla: str  # "breached", "paused", "due" or ""
    sla_label: str
    due_at: datetime | None
    assignee: str
    tags: list[str]
    url: str
    moves: list[Move]


@dataclass
class ColumnView:
    status: str
    label: str
    cards: list[Card]
    more_url: str | None
    page_url: str | None
    moves: list[Move] = field(default_factory=list)


def filters_of(params: Any) -> dict[str, str]:
    """The list's filter parameters (and its ordering) present in `params`, in a fixed order."""
    names = (*ticket_filters.FILTER_NAMES, "ordering")
    return {name: params[name] for name in names if params.get(name)}


def query(filters: dict[str, str], **extra: str) -> str:
    data = {**filters, **extra}
    return f"?{urlencode(data)}" if data else ""


@dataclass(frozen=True)
class Chip:
    label: str
    value: str
    remove_url: str


def chips(filters: dict[str, str], id_names: Mapping[tuple[str, str], str]) -> list[Chip]:
    """Each active filter with a link that drops it; `id_names` labels ids (team, people...)."""
    names: dict[str, Any] = {
        "status": _("Status"),
        "priority": _("Priority"),
        "category": _("Category"),
        "tag": _("Tag"),
        "assignee": _("Assignee"),
        "team": _("Team"),
        "requester": _("Requester"),
        "q": _("Text"),
        "sla": _("SLA"),
        "created_after": _("Created after"),
        "created_before": _("Created before"),
    }
    labels: dict[str, Any] = {**dict(Status.choices), **dict(Priority.choices)}
    labels.update(
        {
            "me": _("me"),
            "none": _("nobody"),
            "breached": _("breached"),
            "at_risk": _("at risk"),
            "ok": _("on track"),
        }
    )
    board = reverse("portal:desk-board")
    result = []
    for name, raw in filters.items():
        if name not in names:
            continue
        value = ", ".join(
            id_names.get((name, part)) or str(labels.get(part, part)) for part in raw.split(",")
        )
        rest = {k: v for k, v in filters.items() if k != name}
        result.append(Chip(str(names[name]), value, board + query(rest)))
    return result


def card_labels() -> dict[str, str]:
    """The words every card repeats, for the template (once per page)."""
    return {
        "move_to": _("Move to…"),
        "no_move": _("No move is open to you from here."),
        "reopen": _("Reopen with a reason…"),
    }


def move_labels(specs: list[TransitionSpec]) -> list[Move]:
    return [
        Move(spec.target, str(Status(spec.target).label), spec.requires_reason) for spec in specs
    ]


def _sla(row: dict[str, Any]) -> tuple[str, str, datetime | None]:
    if row["first_response_breached"] or row["resolution_breached"]:
        return "breached", _("SLA breached"), None
    if row["status"] in (Status.RESOLVED, Status.CLOSED):
        return "", "", None
    if row["sla_paused"]:
        return "paused", _("SLA paused"), None
    due = row["resolution_due_at"]
    if row["first_responded_at"] is None and row["first_response_due_at"] is not None:
        due = row["first_response_due_at"]
    if due is not None:
        return "due", _("Due"), due
    return "", "", None


def cards(
    ids: list[int],
    rows: dict[int, dict[str, Any]],
    tags: dict[int, list[str]],
    slug: str,
    moves: dict[str, list[Move]],
) -> list[Card]:
    ticket_url = reverse("portal:desk-ticket", args=["X-0"]).replace("X-0", "{}")
    # Translated once per page, not per card (bench/portal.py: per-row gettext adds up).
    labels = {"priority": _("Priority: %(priority)s"), "unassigned": _("Unassigned")}
    result = []
    for pk in ids:
        row = rows.get(pk)
        if row is None:
            continue
        number = f"{slug.upper()}-{row['number']}"
        sla, sla_label, due = _sla(row)
        result.append(
            Card(
                number=number,
                title=row["title"],
                status=row["status"],
                status_label=str(Status(row["status"]).label),
                priority=row["priority"],
                priority_label=labels["priority"] % {"priority": Priority(row["priority"]).label},
                sla=sla,
                sla_label=str(sla_label),
                due_at=due,
                assignee=row["assignee__name"] or row["assignee__email"] or labels["unassigned"],
                tags=tags.get(pk, []),
                url=ticket_url.format(number),
                moves=[m for m in moves.get(row["status"], []) if m.target != row["status"]],
            )
        )
    return result
