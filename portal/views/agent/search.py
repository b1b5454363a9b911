"""The header search (a number jumps to its ticket) and the list's autocompletes.

Text becomes the list's `q` filter over every status, so its results have the list's
chips, columns, highlights and "save as view".
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.views.decorators.http import require_GET

from portal import access
from portal.http import render_page
from ruledesk import errors
from ruledesk.tenancy import selectors as tenancy
from ruledesk.tenancy.models import Role, User
from workflows import lookups, selectors
from workflows.numbering import display_number

# "ACME-42", "acme-42", "#42" or "42": a ticket number of the viewer's organization.
NUMBER = re.compile(r"^\s*(?:(?P<slug>[A-Za-z0-9][A-Za-z0-9-]*)-|#)?(?P<number>\d{1,9})\s*$")
PICKERS = ("assignee", "team", "category", "tag", "requester", "bulk-assignee")


def _jump(user: User, text: str) -> str | None:
    match = NUMBER.match(text)
    if match is None or user.organization is None:
        return None
    slug = match.group("slug")
    if slug is not None and slug.lower() != user.organization.slug.lower():
        return None
    number = int(match.group("number"))
    if not selectors.tickets_visible_to(user).filter(number=number).exists():
        return None
    return reverse("portal:desk-ticket", args=[display_number(user.organization.slug, number)])


@access.requires_any(*access.DESK)
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    text = request.GET.get("q", "").strip()[:200]
    target = _jump(user, text) if text else None
    if target is None:
        query = urlencode({"view": "all", "status": "", "q": text}) if text else ""
        target = reverse("portal:desk-home") + (f"?{query}" if query else "")
    return HttpResponseRedirect(target)


def _options(user: User, kind: str, text: str) -> list[tuple[str, str, str]]:
    """(value, label, detail) of at most 10 matches."""
    if kind in ("assignee", "bulk-assignee"):
        staff = tenancy.users_visible_to(user, q=text or None).exclude(role=Role.REQUESTER)
        rows = staff.prefetch_related(None).order_by("name", "id")[: lookups.PICKER_LIMIT]
        return [(str(u.pk), u.display_name, u.email) for u in rows]
    if kind == "requester":
        found = tenancy.users_visible_to(user, role=Role.REQUESTER, q=text or None)
        rows = found.prefetch_related(None).order_by("name", "id")[: lookups.PICKER_LIMIT]
        return [(str(u.pk), u.display_name, u.email) for u in rows]
    if kind == "team":
        teams = tenancy.teams_visible_to(user)
        if text:
            teams = teams.filter(name__icontains=text)
        return [
            (str(t.pk), t.name, "") for t in teams.order_by("name", "id")[: lookups.PICKER_LIMIT]
        ]
    if kind == "category":
        return [(str(c.pk), c.name, "") for c in lookups.categories_matching(user, text)]
    return [(t.name, t.name, "") for t in lookups.tags_matching(user, text)]


@access.requires_any(*access.DESK)
@require_GET
def picker(request: HttpRequest, kind: str) -> HttpResponse:
    """Matches for one filter (links adding it to the list) or for the bulk assignee (radios)."""
    user: User = request.user  # type: ignore[assignment]
    if kind not in PICKERS:
        raise errors.NotFound()
    text = request.GET.get("text", "").strip()[:100]
    base = QueryDict(request.GET.get("base", "")[:4000], mutable=True)
    base.pop("cursor", None)
    options: list[dict[str, Any]] = []
    for value, label, detail in _options(user, kind, text):
        query = base.copy()
        query[kind] = value
        options.append(
            {"value": value, "label": label, "detail": detail, "query": query.urlencode()}
        )
    context = {"kind": kind, "text": text, "options": options, "base": base.urlencode()}
    return render_page(
        request,
        "portal/agent/picker.html",
        context,
        fragment="portal/agent/_filter_picker.html",
    )
