"""Macros on the ticket page: preview one on this ticket, then apply it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal import access
from portal.http import render_page
from portal.views.agent import workspace as ws
from ruledesk import errors
from ruledesk.tenancy.models import User
from ruledesk.versioning import etag_for
from workflows.collab import macros


@access.requires_any(*access.DESK)
@require_http_methods(["GET", "POST"])
def macro(request: HttpRequest, number: str, macro_id: int) -> HttpResponse:
    """GET: the preview (variables filled, field changes listed). POST: apply it."""
    user: User = request.user  # type: ignore[assignment]
    ticket = ws.ticket_by_number(user, number)
    found = macros.access_macro(user, macro_id)
    if request.method == "POST":
        try:
            ws.check_fresh(request, ticket)
            macros.macro_apply(actor=user, macro=found, ticket=ticket)
        except errors.ApplicationError as exc:
            return ws.refused(request, ticket, exc)
        return ws.changed(request, ticket, _("Macro “%(name)s” applied.") % {"name": found.name})
    preview = macros.macro_preview(actor=user, macro=found, ticket=ticket)
    ctx = {
        "ticket": ticket,
        "label": ws.label(ticket),
        "version": etag_for(ticket),
        "macro": found,
        "preview": preview,
        "field_labels": ws.field_labels(),
    }
    return render_page(
        request,
        "portal/agent/ticket/macro.html",
        ctx,
        fragment="portal/agent/ticket/_macro_preview.html",
    )
