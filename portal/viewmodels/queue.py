"""The ticket list's state, read from the URL, and its rows, built once in Python.

Everything the list shows is named by its query string: the view, the filters
(those of `workflows.ticket_filters`), the ordering, the cursor and the columns,
so Back and reload restore it. A view supplies base filters; a filter in the URL
overrides the view's, and an empty one clears it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows import ticket_filters
from workflows.models import Priority, SavedView, Status
from workflows.numbering import display_number
from workflows.services.saved_views import COLUMNS, DEFAULT_COLUMNS
from workflows.sla import business_time

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


# --- rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaCell:
    state: str  # breached, at_risk, ok, paused, none
    label: str  # the badge's words
    text: str  # "in 2 h 5 min", "15 min ago"
    due: datetime | None


def duration(minutes: int) -> str:
    """Business minutes as words: "45 min", "2 h 5 min", "26 h"."""
    minutes = max(0, minutes)
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return _("%(minutes)s min") % {"minutes": rest}
    if rest == 0 or hours >= 24:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}


def sla_cell(row: Mapping[str, Any], calendars: Mapping[int, Any], now: datetime) -> SlaCell:
    """The SLA of a row: the next due time as business time left, pause, or breach as text."""
    policy_id = row["sla_policy_id"]
    done = row["status"] in (Status.RESOLVED, Status.CLOSED)
    fr_breached, res_breached = row["first_response_breached"], row["resolution_breached"]
    if fr_breached or res_breached:
        due = row["first_response_due_at"] if fr_breached else row["resolution_due_at"]
        if due is None or done:
            return SlaCell("breached", _("Breached"), "", due)
        ago = int((now - due).total_seconds() // 60) if due <= now else 0
        return SlaCell(
            "breached", _("Breached"), _("%(duration)s ago") % {"duration": duration(ago)}, due
        )
    if policy_id is None or done:
        return SlaCell("none", "", "", None)
    dues = [row["resolution_due_at"]]
    warns = [row["resolution_warn_at"]]
    if row["first_responded_at"] is None:
        dues.append(row["first_response_due_at"])
        warns.append(row["first_response_warn_at"])
    next_due = min((d for d in dues if d is not None), default=None)
    if next_due is None:
        return SlaCell("none", "", "", None)
    calendar = calendars.get(policy_id)
    if calendar is None:
        left = int((next_due - now).total_seconds() // 60)
    else:
        left = business_time.business_minutes_between(calendar, now, next_due)
    left_text = _("%(duration)s left") % {"duration": duration(left)}
    if row["sla_paused"]:
        return SlaCell("paused", _("Paused"), left_text, next_due)
    if next_due <= now:
        return SlaCell("breached", _("Due now"), _("overdue"), next_due)
    if any(w is not None and w <= now for w in warns):
        return SlaCell("at_risk", _("At risk"), left_text, next_due)
    return SlaCell("ok", _("On track"), left_text, next_due)


@dataclass(frozen=True)
class QueueRow:
    pk: int
    number: str
    title: str
    url: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    assignee: str
    team: str
    category: str
    requester: str
    tags: list[str]
    sla: SlaCell
    created_at: datetime
    updated_at: datetime
    # (text, highlighted) segments of the title and description when searching
    title_marked: list[tuple[str, bool]] = field(default_factory=list)
    excerpt_marked: list[tuple[str, bool]] = field(default_factory=list)
    select_label: str = ""
    cells: list[SafeString] = field(default_factory=list)


def _marked(segments: list[tuple[str, bool]]) -> SafeString:
    """Highlight segments as HTML: every character escaped, matches in <mark>."""
    return SafeString(
        "".join(
            f"<mark>{escape(text)}</mark>" if hit else str(escape(text)) for text, hit in segments
        )
    )


def _time(moment: datetime) -> SafeString:
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}">{}</time>',
        moment.isoformat(),
        date_format(local, "SHORT_DATETIME_FORMAT"),
    )


_EMPTY = SafeString("<td>—</td>")


def row_cells(row: QueueRow, columns: list[str]) -> list[SafeString]:
    """The row's cells for the shown columns, as HTML built once in Python.

    A template `{% if %}` chain per cell cost most of a 25-row page's render time; each
    value is escaped by format_html exactly as the template would.
    """
    cells = []
    for column in columns:
        if column == "number":
            cell = format_html(
                '<td class="col-number"><span class="mono">{}</span></td>', row.number
            )
        elif column == "title":
            title = _marked(row.title_marked) if row.title_marked else escape(row.title)
            excerpt = (
                format_html('<p class="excerpt">{}</p>', _marked(row.excerpt_marked))
                if row.excerpt_marked
                else ""
            )
            cell = format_html(
                '<td class="col-title"><a id="open-{}" href="{}" data-row-link>{}</a>{}</td>',
                row.pk,
                row.url,
                title,
                excerpt,
            )
        elif column == "status":
            cell = format_html(
                '<td><span class="pill status-{}">{}</span></td>', row.status, row.status_label
            )
        elif column == "priority":
            cell = format_html(
                '<td><span class="pill priority-{}">{}</span></td>',
                row.priority,
                row.priority_label,
            )
        elif column in ("assignee", "team", "category", "requester"):
            value = getattr(row, column)
            cell = format_html("<td>{}</td>", value) if value else _EMPTY
        elif column == "tags":
            cell = (
                format_html(
                    "<td>{}</td>",
                    format_html_join(" ", '<span class="pill">{}</span>', ((t,) for t in row.tags)),
                )
                if row.tags
                else _EMPTY
            )
        elif column == "sla":
            cell = _sla_html(row.sla)
        elif column == "created":
            cell = format_html("<td>{}</td>", _time(row.created_at))
        else:
            cell = format_html("<td>{}</td>", _time(row.updated_at))
        cells.append(cell)
    return cells


def _sla_html(sla: SlaCell) -> SafeString:
    if sla.state == "none":
        return SafeString('<td class="col-sla"><span class="muted">—</span></td>')
    text: Any = ""
    if sla.text and sla.due is not None:
        text = format_html(
            ' <span class="sla-text"><time datetime="{}" title="{}">{}</time></span>',
            sla.due.isoformat(),
            date_format(timezone.localtime(sla.due), "DATETIME_FORMAT"),
            sla.text,
        )
    elif sla.text:
        text = format_html(' <span class="sla-text">{}</span>', sla.text)
    return format_html(
        '<td class="col-sla"><span class="sla sla-{}">{}</span>{}</td>', sla.state, sla.label, text
    )


def _person(row: Mapping[str, Any], prefix: str) -> str:
    if row[f"{prefix}_id"] is None:
        return ""
    return str(row[f"{prefix}__name"] or str(row[f"{prefix}__email"]).split("@")[0])


def queue_rows(
    rows: list[dict[str, Any]],
    tags: Mapping[int, list[str]],
    *,
    slug: str,
    calendars: Mapping[int, Any],
    now: datetime,
    marks: Mapping[int, tuple[Any, Any]] | None = None,
    columns: list[str] | None = None,
) -> list[QueueRow]:
    url = reverse("portal:desk-ticket", args=["NUMBER"])
    statuses = {k: str(v) for k, v in Status.choices}
    priorities = {k: str(v) for k, v in Priority.choices}
    select = _("Select %(number)s")
    built = []
    for row in rows:
        number = display_number(slug, row["number"])
        title_marked, excerpt_marked = (marks or {}).get(row["id"], ([], []))
        built.append(
            QueueRow(
                pk=row["id"],
                number=number,
                title=row["title"],
                url=url.replace("NUMBER", number),
                status=row["status"],
                status_label=statuses.get(row["status"], row["status"]),
                priority=row["priority"],
                priority_label=priorities.get(row["priority"], row["priority"]),
                assignee=_person(row, "assignee"),
                team=row["team__name"] or "",
                category=row["category__name"] or "",
                requester=_person(row, "requester"),
                tags=tags.get(row["id"], []),
                sla=sla_cell(row, calendars, now),
                created_at=row["created_at"],
                updated_at=row["updated_at"],
                title_marked=title_marked,
                excerpt_marked=excerpt_marked,
                select_label=select % {"number": number},
            )
        )
        built[-1].cells.extend(row_cells(built[-1], columns or list(DEFAULT_COLUMNS)))
    return built
