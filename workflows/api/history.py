"""A ticket's history for the API: `workflows.history` entries, paged and embedded.

References in `from`/`to` are embedded as everywhere else in the API (assignee as a
user, category and team as `{id, name}`), resolved per page in one query per kind;
an object deleted since keeps its id with a null name (and e-mail).
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from ruledesk import keyset, offset_pages
from ruledesk.api.base import user_ref
from ruledesk.api.pagination import link
from ruledesk.tenancy.models import User
from workflows.history import HistoryEntry, history_references
from workflows.models import Ticket

CURSOR_TAG = "history"


def page(
    request: Request, entries: list[HistoryEntry], ticket: Ticket, viewer: User
) -> dict[str, Any]:
    """Cursor pages over a short, per-ticket list; the (signed) cursor holds an offset.

    History only grows at its end, so `next` stays stable while entries are added.
    """
    params = request.query_params
    result = offset_pages.offset_page(
        entries, tag=CURSOR_TAG, cursor=params.get("cursor"), size=keyset.page_size(params)
    )
    refs = history_references(result.rows, ticket)
    return {
        "next": link(request, "cursor", result.next),
        "previous": link(request, "cursor", result.previous),
        "results": [entry_out(entry, refs, viewer) for entry in result.rows],
    }


def entry_out(entry: HistoryEntry, refs: dict[str, dict[int, Any]], viewer: User) -> dict[str, Any]:
    out: dict[str, Any] = {
        "at": entry.at,
        "actor": user_ref(entry.actor, viewer),
        "kind": entry.kind,
    }
    if entry.kind == "comment":
        out["to"] = entry.after
        return out
    out["field"] = entry.field
    out["from"] = _value(entry.field, entry.before, refs, viewer)
    out["to"] = _value(entry.field, entry.after, refs, viewer)
    if entry.kind == "transition":
        out["reason"] = entry.reason
    return out


def _value(field: str, value: Any, refs: dict[str, dict[int, Any]], viewer: User) -> Any:
    if field not in refs or value is None:
        return value
    row = refs[field].get(value)
    if field == "assignee":
        return user_ref(row, viewer) if row else {"id": value, "name": None, "email": None}
    return {"id": value, "name": row.name if row else None}
