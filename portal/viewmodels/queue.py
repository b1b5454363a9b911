"""The ticket list's state, read from the URL, and its rows, built once in Python.

Everything the list shows is named by its query string: the view, the filters
(those of `workflows.ticket_filters`), the ordering, the cursor and the columns,
so Back and reload restore it. A view supplies base filters; a filter in the URL
overrides the view's, and an empty one clears it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows import ticket_filters
from workflows.models import Priority, SavedView, Status
from workflows.services.saved_views import COLUMNS, DEFAULT_COLUMNS

OPEN_STATUSES = "new,open,waiting_on_requester"
# key -> (label, base filters); the list opens on the first.
DEFAULT_VIEWS: dict[str, tuple[Any, dict[str, str]]] = {
    "all": (gettext_lazy("All open"), {"status": OPEN_STATUSES}),
    "mine": (gettext_lazy("Mine"), {"status": OPEN_STATUSES, "assignee": "me"}),
    "unassigned": (gettext_lazy("Unassigned"), {"status": OPEN_STATUSES, "assignee": "none"}),
    "at_risk": (gettext_lazy("SLA at risk"), {"status": OPEN_STATUSES, "sla": "at_risk,breached"}),
}
COUNT_CAP = 99
STATE_KEYS = (*ticket_filters.FILTER_NAMES, "view", "ordering", "cols")


def column_labels() -> dict[str, str]:
    return {
        "number": _("Number"),
        "title": _("Title"),
        "status": _("Status"),
        "priority": _("Priority"),
        "assignee": _("Assignee"),
        "team": _("Team"),
        "category": _("Category"),
        "requester": _("Requester"),
        "tags": _("Tags"),
        "sla": _("SLA"),
        "created": _("Created"),
        "updated": _("Updated"),
    }


def filter_labels() -> dict[str, str]:
    return {
        "status": _("Status"),
        "priority": _("Priority"),
        "category": _("Category"),
        "tag": _("Tag"),
        "assignee": _("Assignee"),
        "team": _("Team"),
        "requester": _("Requester"),
        "q": _("Text"),
        "sla": _("SLA"),
        "created_after": _("Created from"),
        "created_before": _("Created before"),
    }


def sla_labels() -> dict[str, str]:
    return {"breached": _("Breached"), "at_risk": _("At risk"), "ok": _("On track")}


# Column -> (ordering when first clicked, the other direction or None).
SORTS: dict[str, tuple[str, str | None]] = {
    "created": ("-created_at", "created_at"),
    "updated": ("-updated_at", "updated_at"),
    "priority": ("-priority", "priority"),
    "sla": ("resolution_due_at", None),
}


@dataclass
class ListState:
    """What the URL asks the list to show."""

    view_key: str
    saved: SavedView | None
    base: dict[str, str]
    params: dict[str, str]  # the URL's own filter and state values, as given
    filters: dict[str, str]  # the effective filters: base overridden by the URL
    ordering: str
    cursor: str | None
    columns: list[str]
    columns_from_url: bool

    def query(self, **changes: str | None) -> str:
        """This state's query string with `changes` (None drops a key); never the cursor."""
        values = {k: v for k, v in self.params.items() if k in STATE_KEYS}
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        return urlencode(values)

    def without_filter(self, name: str) -> str:
        """The query with filter `name` removed (cleared, if the view itself sets it)."""
        return self.query(**{name: "" if name in self.base else None})

    def with_filter(self, name: str, value: str) -> str:
        return self.query(**{name: value})


MULTI = ("status", "priority", "sla")


def _own(params: Any) -> dict[str, str]:
    """The URL's state keys; the filter form's checkboxes repeat a key, joined by commas."""
    own: dict[str, str] = {}
    for key in STATE_KEYS:
        if key not in params:
            continue
        if key in MULTI and hasattr(params, "getlist"):
            own[key] = ",".join(v for v in params.getlist(key) if v)
        else:
            own[key] = str(params.get(key) or "")
    return own


def parse_state(
    params: Any, saved_views: Mapping[int, SavedView], default_ordering: str
) -> ListState:
    raw_view = params.get("view") or "all"
    saved = None
    if raw_view.isdigit() and int(raw_view) in saved_views:
        saved = saved_views[int(raw_view)]
        base = {k: str(v) for k, v in saved.filters.items() if k != "ordering"}
        view_key = raw_view
    else:
        view_key = raw_view if raw_view in DEFAULT_VIEWS else "all"
        base = dict(DEFAULT_VIEWS[view_key][1])
    own = _own(params)
    filters = dict(base)
    for name in ticket_filters.FILTER_NAMES:
        if name in own:
            if own[name]:
                filters[name] = own[name]
            else:
                filters.pop(name, None)
    ordering = own.get("ordering") or (saved.filters.get("ordering") if saved else None)
    columns, from_url = _columns(own.get("cols"), saved)
    return ListState(
        view_key=view_key,
        saved=saved,
        base=base,
        params=own,
        filters=filters,
        ordering=str(ordering or default_ordering),
        cursor=params.get("cursor") or None,
        columns=columns,
        columns_from_url=from_url,
    )


def _columns(raw: str | None, saved: SavedView | None) -> tuple[list[str], bool]:
    if raw:
        chosen = list(dict.fromkeys(c for c in raw.split(",") if c in COLUMNS))
        if "title" not in chosen:
            chosen.insert(0, "title")
        return chosen, True
    if saved is not None and saved.columns:
        # A view stored before a column was renamed keeps the columns still known.
        known = [c for c in saved.columns if c in COLUMNS]
        if "title" in known:
            return known, False
    return list(DEFAULT_COLUMNS), False


# --- columns editor, sort headers, chips -----------------------------------------------------


@dataclass(frozen=True)
class ColumnChoice:
    name: str
    label: str
    shown: bool
    up_query: str | None
    down_query: str | None
    toggle_query: str


def column_choices(state: ListState) -> list[ColumnChoice]:
    labels = column_labels()
    shown = state.columns
    hidden = [c for c in COLUMNS if c not in shown]
    choices = []
    for index, name in enumerate(shown):
        up = down = None
        if index > 0:
            moved = shown[:]
            moved[index - 1], moved[index] = moved[index], moved[index - 1]
            up = state.query(cols=",".join(moved))
        if index < len(shown) - 1:
            moved = shown[:]
            moved[index + 1], moved[index] = moved[index], moved[index + 1]
            down = state.query(cols=",".join(moved))
        toggle = state.query(cols=",".join(c for c in shown if c != name))
        choices.append(ColumnChoice(name, labels[name], True, up, down, toggle))
    for name in hidden:
        toggle = state.query(cols=",".join([*shown, name]))
        choices.append(ColumnChoice(name, labels[name], False, None, None, toggle))
    return choices


@dataclass(frozen=True)
class Header:
    name: str
    label: str
    sort_query: str | None
    sorted: str  # "ascending", "descending" or "" (aria-sort)


def headers(state: ListState) -> list[Header]:
    labels = column_labels()
    found = []
    for name in state.columns:
        query = None
        current = ""
        if name in SORTS:
            first, other = SORTS[name]
            if state.ordering in (first, other):
                current = "descending" if state.ordering.startswith("-") else "ascending"
            target = other if state.ordering == first and other else first
            query = state.query(ordering=target)
        found.append(Header(name, labels[name], query, current))
    return found


@dataclass(frozen=True)
class Chip:
    name: str
    label: str
    value: str
    remove_query: str
    invalid: bool = False


def chips(state: ListState, names: Mapping[tuple[str, str], str], bad: set[str]) -> list[Chip]:
    """The effective filters as chips, each with its removal link; `names` labels ids."""
    labels = filter_labels()
    statuses = dict(Status.choices)
    priorities = dict(Priority.choices)
    slas = sla_labels()
    found = []
    for name in ticket_filters.FILTER_NAMES:
        raw = state.filters.get(name)
        if not raw:
            continue
        if name == "status":
            shown = ", ".join(str(statuses.get(v, v)) for v in raw.split(","))
        elif name == "priority":
            shown = ", ".join(str(priorities.get(v, v)) for v in raw.split(","))
        elif name == "sla":
            shown = ", ".join(slas.get(v, v) for v in raw.split(","))
        elif name == "assignee" and raw in ("me", "none"):
            shown = _("me") if raw == "me" else _("unassigned")
        else:
            shown = names.get((name, raw), raw)
        found.append(Chip(name, labels[name], shown, state.without_filter(name), name in bad))
    return found
