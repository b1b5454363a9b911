"""Presence heartbeat: record this viewer, list the others, and refresh on a newer version.

The page polls every 2 s with the version it shows (`seen`); when the ticket changed
since, the answer also carries the refreshed header and thread (out of band), so another
agent's change is visible within one poll, while the side panel (a picker the viewer may
be typing in) stays as it is. Forms keep the version they were rendered with, so a reply
or property change made over the change is refused as stale (the draft kept) when sent.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from portal import access
from portal.views.agent import workspace as ws
from ruledesk.tenancy.models import User
from workflows.collab import presence as service
from workflows.collab.models import PresenceMode


@access.requires_any(*access.DESK)
@require_POST
def heartbeat(request: HttpRequest, number: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    ticket = ws.ticket_by_number(user, number)
    mode = PresenceMode.REPLY if request.POST.get("body", "").strip() else PresenceMode.VIEW
    service.presence_beat(actor=user, ticket=ticket, mode=mode)
    others = service.others_present(user, ticket)
    html = render_to_string(
        "portal/agent/ticket/_presence.html",
        {"others": others, "ticket": ticket, "label": ws.label(ticket)},
        request=request,
    )
    if request.POST.get("seen") and ws.stale_seen(request.POST["seen"], ticket):
        html += render_to_string(
            "portal/agent/ticket/_live_oob.html", ws.context(request, ticket), request=request
        )
    return HttpResponse(html, headers={"Vary": "HX-Request", "Cache-Control": "no-store"})
