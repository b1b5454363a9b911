"""A ticket's history as one viewer may see it: field changes, transitions and comments.

Built from django-simple-history rows, the status log and comments, oldest first;
internal comments never appear to a viewer who may not see them
(`selectors.comments_visible_to`). Both the REST API and the portal present these
entries; references (assignee, category, team) stay ids here and are resolved per
page by `history_references`, inside the ticket's organization.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model

from ruledesk.tenancy.models import Team, User
from workflows import selectors
from workflows.models import Category, Comment, Ticket

TRACKED_FIELDS = ("title", "priority", "category_id", "assignee_id", "team_id")
# Fields whose values are ids of these models (field name as entries give it -> model).
REFERENCES: dict[str, type[Model]] = {"assignee": User, "category": Category, "team": Team}
# Same-moment entries sort fields first, then the transition, then the comment.
_ORDER = {"field": 0, "transition": 1, "comment": 2}


@dataclass(frozen=True)
class HistoryEntry:
    """One step: a field change, a status transition or a comment (`after`: its visibility)."""

    at: datetime
    kind: str  # "field", "transition" or "comment"
    actor: User | None
    field: str = ""  # the field without `_id` ("status" for transitions); "" for comments
    before: Any = None
    after: Any = None
    reason: str = ""  # transitions only


def history_visible_to(
    viewer: User, ticket: Ticket, *, comments: Iterable[Comment] | None = None
) -> list[HistoryEntry]:
    """Every entry of `ticket` the viewer may see, oldest first (the caller checked access).

    `comments`: the ticket's comments as `selectors.comments_visible_to(viewer, ticket)`
    gives them, when the caller read them already (the desk's thread), to save the query.
    """
    found: list[HistoryEntry] = []
    versions = list(
        ticket.history.order_by("history_date", "history_id").select_related("history_user")
    )
    for previous, current in zip(versions, versions[1:], strict=False):
        for field in TRACKED_FIELDS:
            before, after = getattr(previous, field), getattr(current, field)
            if before != after:
                found.append(
                    HistoryEntry(
                        at=current.history_date,
                        kind="field",
                        actor=current.history_user,
                        field=field.removesuffix("_id"),
                        before=before,
                        after=after,
                    )
                )
    for step in ticket.transitions.select_related("actor").order_by("created_at", "id"):
        found.append(
            HistoryEntry(
                at=step.created_at,
                kind="transition",
                actor=step.actor,
                field="status",
                before=step.from_status,
                after=step.to_status,
                reason=step.reason,
            )
        )
    if comments is None:
        comments = (
            selectors.comments_visible_to(viewer, ticket)
            .prefetch_related(None)
            .order_by("created_at", "id")
        )
    for comment in comments:
        found.append(
            HistoryEntry(
                at=comment.created_at,
                kind="comment",
                actor=comment.author,
                after=comment.visibility,
            )
        )
    found.sort(key=lambda entry: (entry.at, _ORDER[entry.kind]))
    return found


def history_references(
    entries: Iterable[HistoryEntry], ticket: Ticket
) -> dict[str, dict[int, Any]]:
    """The objects the entries' reference fields name, by field and id: one query per kind.

    Only the ticket's organization is searched; an object deleted since is absent.
    """
    wanted: dict[str, set[int]] = {field: set() for field in REFERENCES}
    for entry in entries:
        if entry.kind == "field" and entry.field in REFERENCES:
            wanted[entry.field].update(v for v in (entry.before, entry.after) if isinstance(v, int))
    found: dict[str, dict[int, Any]] = {}
    for field, ids in wanted.items():
        if not ids:
            found[field] = {}
            continue
        model = REFERENCES[field]
        rows = model._default_manager.filter(organization_id=ticket.organization_id, pk__in=ids)
        found[field] = {row.pk: row for row in rows}
    return found
