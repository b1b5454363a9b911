"""The `notify` action: who gets told, under which kind, and what each audience may read.

Confidentiality is decided here, before notifications ever see the message:
- the requester's message carries only public data (no internal comment, no
  internal note, no team, no e-mail addresses of staff);
- an event about an internal comment produces no requester message at all, so
  a requester named as a recipient simply gets nothing;
- the user whose action caused the event is not told of it as assignee, team
  member, mentioned user or agent; named as `requester` or `user:<id>` they
  are (the admin asked for exactly that person: a receipt for a ticket the
  requester filed, say).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, cast

from ruledesk.notifications.services import Message
from ruledesk.notifications.services import notify as notifications_notify
from ruledesk.tenancy.models import Role, User
from rules_engine.context import ActionContext
from rules_engine.validation import parse_user_recipient
from workflows.models import Comment, Ticket, Visibility
from workflows.numbering import display_number

GENERIC_KIND = "ticket.replied"  # activity on a ticket with no more specific kind


def notify_run(ctx: ActionContext, action: Mapping[str, Any], index: int) -> int:
    ticket = ctx.ticket()
    comment = _comment(ctx)
    internal_event = comment is not None and comment.visibility == Visibility.INTERNAL
    wanted: list[str] = list(action["recipients"])
    mentioned = _mentioned(ctx, comment) if "mentioned" in wanted else []
    others = _resolve(ctx, ticket, [r for r in wanted if r != "mentioned"])
    mentioned_ids = {user.pk for user in mentioned}
    others = [user for user in others if user.pk not in mentioned_ids]
    messages = messages_build(ctx, ticket, comment)
    if internal_event:
        messages.pop("requester", None)
    channel = cast(Literal["email", "in_app", "both"], action["channel"])
    template_id = action.get("template")
    ref = {"id": ticket.pk, "number": display_number(ticket.organization.slug, ticket.number)}
    sent = 0
    for kind, recipients, suffix in (
        (notification_kind(ctx, comment), others, ""),
        ("comment.mentioned", mentioned, ":m"),
    ):
        if not recipients:
            continue
        sent += notifications_notify(
            organization_id=ticket.organization_id,
            event=ctx.event_type,
            kind=kind,
            recipients=recipients,
            messages=messages,
            channel=channel,
            ticket=ref,
            template_id=template_id if isinstance(template_id, int) else None,
            dedup_key=f"{ctx.dedup_prefix}:a{index}{suffix}",
        )
    return sent


def notification_kind(ctx: ActionContext, comment: Comment | None) -> str:
    """Which notification kind (preferences, templates) an event maps to."""
    event = ctx.event_type
    if event in ("ticket.created", "sla.warning", "sla.breached"):
        return event
    status = ctx.event_changes.get("status")
    if isinstance(status, list) and len(status) == 2 and status[1] == "resolved":
        return "ticket.resolved"
    if event == "ticket.updated" and "assignee" in ctx.event_changes:
        return "ticket.assigned"
    return GENERIC_KIND


def _comment(ctx: ActionContext) -> Comment | None:
    if ctx.event_type != "comment.created":
        return None
    comment_id = ctx.event_payload.get("comment_id")
    if not isinstance(comment_id, int):
        return None
    return (
        Comment.objects.select_related("author")
        .filter(organization_id=ctx.rule.organization_id, pk=comment_id)
        .first()
    )


def _live(organization_id: int) -> Any:
    return User.live.filter(organization_id=organization_id, is_active=True)


def _mentioned(ctx: ActionContext, comment: Comment | None) -> list[User]:
    if comment is None:
        return []
    users = comment.mentions.filter(is_active=True, deleted_at__isnull=True, is_system=False)
    return [user for user in users.order_by("pk") if user.pk != ctx.event_actor_id]


def _resolve(ctx: ActionContext, ticket: Ticket, wanted: list[str]) -> list[User]:
    """Recipients in a stable order, each once, never a system user (see the module notes)."""
    org = ticket.organization_id
    found: dict[int, User] = {}

    def add(users: Any, *, named: bool = False) -> None:
        for user in users:
            if named or user.pk != ctx.event_actor_id:
                found.setdefault(user.pk, user)

    for item in wanted:
        if item == "requester":
            add(_live(org).filter(pk=ticket.requester_id), named=True)
        elif item == "assignee" and ticket.assignee_id is not None:
            add(_live(org).filter(pk=ticket.assignee_id))
        elif item == "team" and ticket.team_id is not None:
            add(_live(org).filter(memberships__team_id=ticket.team_id).order_by("pk"))
        elif item == "role:agent":
            add(_live(org).filter(role=Role.AGENT).order_by("pk"))
        else:
            user_id = parse_user_recipient(item)
            if user_id is not None:
                add(_live(org).filter(pk=user_id), named=True)
    return list(found.values())


def messages_build(
    ctx: ActionContext, ticket: Ticket, comment: Comment | None
) -> dict[str, Message]:
    """One message per audience; the requester's has public data only."""
    org_name = ticket.organization.name
    assignee_name = ticket.assignee.display_name if ticket.assignee else None
    base_ticket = {
        "number": display_number(ticket.organization.slug, ticket.number),
        "title": ticket.title,
        "status": ticket.status,
        "priority": ticket.priority,
        "url": f"/tickets/{ticket.pk}",
        "requester_name": ticket.requester.display_name,
        "assignee_name": assignee_name,
    }
    actor_name = _actor_name(ctx)
    sla = _sla(ctx)
    comment_context = (
        {
            "body": comment.body,
            "author_name": comment.author.display_name if comment.author else None,
            "visibility": comment.visibility,
        }
        if comment is not None
        else None
    )
    agent = {
        "event": ctx.event_type,
        "organization": {"name": org_name},
        "ticket": {**base_ticket, "team_name": ticket.team.name if ticket.team else None},
        "comment": comment_context,
        "sla": sla,
        "actor_name": actor_name,
    }
    public_comment = (
        comment_context if comment is not None and comment.visibility == Visibility.PUBLIC else None
    )
    requester = {
        "event": ctx.event_type,
        "organization": {"name": org_name},
        "ticket": dict(base_ticket),
        "comment": public_comment,
        "sla": None,
        "actor_name": actor_name,
    }
    return {
        "agent": Message(audience="agent", context=agent),
        "requester": Message(audience="requester", context=requester),
    }


def _actor_name(ctx: ActionContext) -> str | None:
    if ctx.event_actor_id is None:
        return None
    actor = User.objects.filter(pk=ctx.event_actor_id).first()
    return actor.display_name if actor is not None else None


def _sla(ctx: ActionContext) -> dict[str, Any] | None:
    if not ctx.event_type.startswith("sla."):
        return None
    return {
        "target": ctx.event_payload.get("target"),
        "due_at": ctx.event_payload.get("due_at"),
    }
