"""The ticket list's rows: SLA text and each cell, built once in Python, not in the template.

The list's state (view, filters, columns) is `portal.viewmodels.queue`; this module
turns the selected rows into what the table shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from workflows.models import Priority, Status
from workflows.numbering import display_number
from workflows.services.saved_views import DEFAULT_COLUMNS
from workflows.sla import business_time


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
