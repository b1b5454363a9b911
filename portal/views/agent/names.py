"""Readable names for the ids a ticket-list filter holds (the list's and the board's chips)."""

from __future__ import annotations

from ruledesk.tenancy import selectors as tenancy
from ruledesk.tenancy.models import User
from workflows import lookups


def _is_id(raw: str) -> bool:
    return raw.isascii() and raw.isdigit() and len(raw) < 16


def filter_names(user: User, filters: dict[str, str]) -> dict[tuple[str, str], str]:
    """Readable names of the ids the filters hold (a query only for each id filter present)."""
    names: dict[tuple[str, str], str] = {}
    people = [(k, filters[k]) for k in ("assignee", "requester") if _is_id(filters.get(k, ""))]
    if people:
        found = tenancy.users_visible_to(user).filter(pk__in=[int(v) for _, v in people])
        by_id = {str(u.pk): u.display_name for u in found.prefetch_related(None)}
        names.update({(k, v): by_id[v] for k, v in people if v in by_id})
    team = filters.get("team", "")
    if _is_id(team):
        for pk, name in (
            tenancy.teams_visible_to(user).filter(pk=int(team)).values_list("id", "name")
        ):
            names[("team", str(pk))] = name
    category = filters.get("category", "")
    if _is_id(category):
        for pk, name in lookups.category_names(user, [int(category)]).items():
            names[("category", str(pk))] = name
    return names
