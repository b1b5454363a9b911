"""Attachments on the web UI: the panel (list + upload form), its refresh fragment, the
no-script upload and the download redirect. Uploads with scripts go through the REST API
(attachments.js), so both make the same decisions, in `workflows.attachments.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from portal import access
from portal.errors import message
from portal.http import safe_next
from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import User
from workflows import selectors as tickets
from workflows.attachments import selectors, services, types
from workflows.attachments.models import Attachment, ScanStatus
from workflows.models import Ticket

MAX_FILES = 10


def panel_context(
    user: User, ticket: Ticket, visibility: str = "public", *, lazy: bool = False
) -> dict[str, Any]:
    """`lazy`: the list is fetched by htmx after the page (the desk workspace keeps its
    query budget); otherwise it is rendered in place (the help center works without JS)."""
    rows = (
        []
        if lazy
        else list(selectors.attachments_visible_to(user, ticket).order_by("created_at", "id"))
    )
    limits = types.kind_limits(ticket.organization_id)
    return {
        "ticket": ticket,
        "attachments": rows,
        "scanning": any(_scanning(row) for row in rows),
        "can_upload": policy.can(user, "attachment.upload", ticket),
        "can_internal": policy.can(user, "attachment.view_internal", ticket),
        "visibility": visibility,
        "limits": {kind: max(1, size // (1024 * 1024)) for kind, size in limits.items()},
        "accept": types.ACCEPT,
        "lazy": lazy,
    }


def _scanning(row: Attachment) -> bool:
    return row.uploaded_at is not None and row.scan_status == ScanStatus.PENDING


@access.login_required
@require_GET
def panel_list(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The list alone (htmx refresh after an upload, and while files are being scanned)."""
    user: User = request.user  # type: ignore[assignment]
    ticket = tickets.access_ticket(user, ticket_id)
    return render(request, "portal/attachments/_list.html", panel_context(user, ticket))


@access.login_required
@require_POST
def upload(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The plain form's path (no scripts): multipart files through the same service."""
    user: User = request.user  # type: ignore[assignment]
    ticket = tickets.access_ticket(user, ticket_id)
    visibility = request.POST.get("visibility", "public")
    if visibility not in ("public", "internal"):
        visibility = "public"
    back = safe_next(request, request.POST.get("next"), access.home_url(user))
    for upload_file in request.FILES.getlist("file")[:MAX_FILES]:
        try:
            services.attachment_upload(
                actor=user, ticket=ticket, upload=upload_file, visibility=visibility
            )
        except errors.ApplicationError as exc:
            messages.error(request, f"{upload_file.name}: {message(exc)}")
    return HttpResponseRedirect(back)


@access.login_required
@require_GET
def download(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """A fresh signed URL on each click (pages never hold one), after the visibility check."""
    user: User = request.user  # type: ignore[assignment]
    attachment = selectors.access_attachment(user, attachment_id)
    link = services.attachment_download(actor=user, attachment=attachment)
    response = HttpResponseRedirect(link.url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
