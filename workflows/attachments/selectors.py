"""The one scoping function for attachments: every list, detail and download goes through it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import User
from workflows.attachments.models import Attachment
from workflows.models import Ticket


def attachments_visible_to(actor: User, ticket: Ticket | None = None) -> QuerySet[Attachment]:
    """Attachments on tickets the actor sees; internal ones only with attachment.view_internal.

    Requesters never get internal rows: the permission is locked off for their role.
    Uploads that never completed are listed only to their uploader.
    """
    from workflows import selectors as ticket_selectors

    tickets = ticket_selectors.tickets_visible_to(actor)
    if ticket is not None:
        tickets = tickets.filter(pk=ticket.pk)
    if actor.organization_id is None:
        return Attachment.objects.none()
    rows = Attachment.objects.filter(
        organization_id=actor.organization_id, ticket__in=tickets.values("pk")
    )
    if not policy.can(actor, "attachment.view_internal", ticket):
        rows = rows.filter(visibility="public")
    rows = rows.filter(Q(uploaded_at__isnull=False) | Q(uploader=actor))
    return rows.select_related("uploader")


def access_attachment(actor: User, attachment_id: Any) -> Attachment:
    """404 for another organization's, an invisible or an unknown id (indistinguishable)."""
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError):
        raise errors.NotFound() from None
    attachment = attachments_visible_to(actor).filter(pk=pk).select_related("ticket").first()
    if attachment is None:
        raise errors.NotFound()
    return attachment
