"""Replies and internal notes."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Lower, Replace
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.events.services import emit
from ruledesk.markdown import render_markdown
from ruledesk.ratelimit import services as ratelimit
from ruledesk.tenancy.models import Role, User
from workflows import metrics, search
from workflows.models import Comment, Ticket, Visibility
from workflows.sla import clocks as sla

# "@alice@acme.test" or "@AliceAdmin" (a user's name without spaces).
_MENTION = re.compile(r"(?<![\w@])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.-]+)", re.UNICODE)
MAX_MENTIONS = 20


def comment_create(
    *, actor: User, ticket: Ticket, body: str, visibility: str = Visibility.PUBLIC, depth: int = 0
) -> Comment:
    codename = (
        "comment.create_internal" if visibility == Visibility.INTERNAL else "comment.create_public"
    )
    policy.require(actor, codename, ticket)
    if not body.strip():
        raise errors.ValidationFailed.on("body", _("A comment needs a body."), "blank")
    _cooldown(actor)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        comment = Comment.objects.create(
            organization_id=ticket.organization_id,
            ticket=ticket,
            author=actor,
            body=body,
            body_html=render_markdown(body),
            visibility=visibility,
        )
        mentioned = [
            user
            for user in mentioned_users(ticket.organization_id, body)
            if _may_read(user, ticket, visibility)
        ]
        comment.mentions.set(mentioned)
        now = comment.created_at  # the first response is this comment's moment
        fields = ["updated_at"]
        ticket.updated_at = now
        is_agent_reply = actor.role in (Role.AGENT, Role.ADMIN) and visibility == Visibility.PUBLIC
        if is_agent_reply and ticket.first_responded_at is None:
            ticket.first_responded_at = now
            fields.append("first_responded_at")
            fields.extend(metrics.on_first_response(ticket))
        ticket.save(update_fields=fields)
        if "first_responded_at" in fields:
            sla.ticket_sla_sync(ticket=ticket)
        search.refresh(ticket.pk)
        emit(
            organization_id=ticket.organization_id,
            type="comment.created",
            actor_id=actor.pk,
            ticket_id=ticket.pk,
            depth=depth,
            payload={
                "comment_id": comment.pk,
                "visibility": visibility,
                "author_role": actor.role,
                "mentions": [u.pk for u in mentioned],
            },
        )
    return comment


def mentioned_users(organization_id: int, body: str) -> list[User]:
    tokens = {m.group(1).lower().rstrip(".") for m in _MENTION.finditer(body)}
    tokens = set(list(tokens)[:MAX_MENTIONS])
    if not tokens:
        return []
    compact_name = Lower(Replace("name", Value(" "), Value("")))
    return list(
        User.live.filter(organization_id=organization_id, is_active=True)
        .annotate(compact_name=compact_name)
        .filter(Q(email__in=tokens) | Q(compact_name__in=tokens))
        .order_by("pk")
    )


def _may_read(user: User, ticket: Ticket, visibility: str) -> bool:
    """Only users who can read the comment are mentioned (and notified); others stay text."""
    if not (policy.can(user, "ticket.view_all", ticket) or user.pk == ticket.requester_id):
        return False
    return visibility == Visibility.PUBLIC or policy.can(user, "comment.view_internal", ticket)


def _cooldown(actor: User) -> None:
    if actor.is_system:  # rule actions (internal notes) are bounded by the loop guard instead
        return
    limit = ratelimit.Limit("comments", settings.RULEDESK_RATE_COMMENTS_PER_10S, 10)
    wait = ratelimit.hit(limit, f"user:{actor.pk}")
    if wait is not None:
        raise errors.RateLimited(_("You are commenting too fast."), retry_after=wait)
