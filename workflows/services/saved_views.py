"""Saved ticket-list views: private to their owner or shared with one of the owner's teams."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import TeamMembership, User
from workflows import ticket_filters
from workflows.models import SavedView, Ticket
from workflows.services import _refs

FILTER_KEYS = {*ticket_filters.FILTER_NAMES, "ordering"}
# The columns a ticket list can show, in their default order; a view stores a subset, ordered.
COLUMNS = (
    "number",
    "title",
    "status",
    "priority",
    "assignee",
    "team",
    "category",
    "requester",
    "tags",
    "sla",
    "created",
    "updated",
)
DEFAULT_COLUMNS = ("number", "title", "status", "priority", "assignee", "sla", "updated")
UNSET: Any = object()


def check_columns(columns: Any) -> list[str]:
    """A list of known column names, each once, keeping `title` (rows link through it)."""
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise errors.ValidationFailed.on("columns", _("Must be a list of column names."), "invalid")
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise errors.ValidationFailed.on(
            "columns",
            _("Must be among %(choices)s.") % {"choices": ", ".join(COLUMNS)},
            "invalid_choice",
        )
    if len(set(columns)) != len(columns):
        raise errors.ValidationFailed.on("columns", _("Each column may appear once."), "invalid")
    if columns and "title" not in columns:
        raise errors.ValidationFailed.on("columns", _("The title column is required."), "invalid")
    return list(columns)


def _check_filters(filters: dict[str, Any], actor: User) -> dict[str, str]:
    clean: dict[str, str] = {}
    for key, value in filters.items():
        if key not in FILTER_KEYS:
            raise errors.ValidationFailed.on(
                f"filters.{key}", _("Unknown filter."), "unknown_field"
            )
        if not isinstance(value, (str, int)) or isinstance(value, bool) or len(str(value)) > 200:
            raise errors.ValidationFailed.on(
                f"filters.{key}",
                _("Must be a string or integer of at most 200 characters."),
                "invalid",
            )
        clean[key] = str(value)
    _check_values(clean, actor)
    return clean


def _check_values(filters: dict[str, str], actor: User) -> None:
    """Each value must be one the ticket list accepts, so a saved view never answers 400 later."""

    try:
        ticket_filters.apply(Ticket.objects.none(), filters, actor)
        ticket_filters.ordering(filters)
    except errors.ValidationFailed as exc:
        raise errors.ValidationFailed(
            exc.detail,
            errors=[
                errors.FieldError(field=f"filters.{e.field}", code=e.code, message=e.message)
                for e in exc.errors
            ],
        ) from None


def _share_target(actor: User, team_id: int | None) -> Any:
    if team_id is None:
        return None
    if actor.organization_id is None:
        raise errors.PermissionDenied()
    team = _refs.team(actor.organization_id, team_id, field="shared_with_team")
    policy.require(actor, "saved_views.share")
    if not TeamMembership.objects.filter(team=team, user=actor).exists():
        raise errors.ValidationFailed.on(
            "shared_with_team", _("You can only share with a team you belong to."), "not_a_member"
        )
    return team


def saved_view_create(
    *,
    actor: User,
    name: str,
    filters: dict[str, Any],
    shared_with_team_id: int | None = None,
    columns: list[str] | None = None,
) -> SavedView:
    if actor.organization_id is None:
        raise errors.PermissionDenied()
    with transaction.atomic():
        return SavedView.objects.create(
            organization_id=actor.organization_id,
            owner=actor,
            name=name,
            filters=_check_filters(filters, actor),
            columns=check_columns(columns or []),
            shared_with_team=_share_target(actor, shared_with_team_id),
        )


def saved_view_update(
    *,
    actor: User,
    view: SavedView,
    name: Any = UNSET,
    filters: Any = UNSET,
    shared_with_team_id: Any = UNSET,
    columns: Any = UNSET,
) -> SavedView:
    if view.owner_id != actor.pk:
        raise errors.PermissionDenied(_("Only the owner can change a saved view."))
    if name is not UNSET:
        view.name = name
    if filters is not UNSET:
        view.filters = _check_filters(filters, actor)
    if shared_with_team_id is not UNSET:
        view.shared_with_team = _share_target(actor, shared_with_team_id)
    if columns is not UNSET:
        view.columns = check_columns(columns)
    view.save()
    return view


def saved_view_delete(*, actor: User, view: SavedView) -> None:
    if view.owner_id != actor.pk:
        raise errors.PermissionDenied(_("Only the owner can delete a saved view."))
    view.delete()
