"""Macros: canned replies with ticket variables and optional field changes.

A macro is the organization's (`team` empty) or one team's. Anyone who works tickets
(`ticket.view_all`) may read and apply the macros of the organization and of their
teams; `macros.manage` creates, edits and deletes them and sees every one. Applying
a macro calls the same services as the API's PATCH, comment and transition
endpoints, so each part is permission-checked as if done by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.audit import services as audit
from ruledesk.markdown import render_markdown
from ruledesk.tenancy.models import TeamMembership, User
from workflows.collab.models import Macro
from workflows.models import Priority, Ticket, Visibility
from workflows.services import _refs
from workflows.services.comments import comment_create
from workflows.services.tickets import ticket_update
from workflows.services.transitions import TRANSITIONS, ticket_transition

MANAGE = "macros.manage"
UNSET: Any = object()
PLACEHOLDER = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
VARIABLES = (
    "ticket.number",
    "ticket.title",
    "ticket.status",
    "ticket.priority",
    "requester.name",
    "requester.email",
    "assignee.name",
    "agent.name",
)
MAX_TAGS = 20


def macros_visible_to(actor: User) -> QuerySet[Macro]:
    """The organization's macros and those of the actor's teams; all with `macros.manage`."""
    macros = policy.scope(Macro.objects.all(), actor).select_related("team", "assignee", "set_team")
    if not policy.can(actor, "ticket.view_all"):
        return macros.none()
    if policy.can(actor, MANAGE):
        return macros
    teams = TeamMembership.objects.filter(user=actor).values("team_id")
    return macros.filter(Q(team__isnull=True) | Q(team_id__in=teams))


def access_macro(actor: User, macro_id: Any, codename: str | None = None) -> Macro:
    return policy.access_object(macros_visible_to(actor), actor, macro_id, codename)


def _clean(actor: User, macro: Macro, values: dict[str, Any]) -> None:
    org_id = actor.organization_id
    if org_id is None:
        raise errors.PermissionDenied()
    if "name" in values:
        name = str(values["name"]).strip()
        if not name:
            raise errors.ValidationFailed.on("name", _("A macro needs a name."), "blank")
        macro.name = name
    if "body" in values:
        macro.body = values["body"] or ""
    if "visibility" in values:
        if values["visibility"] not in Visibility.values:
            raise errors.ValidationFailed.on(
                "visibility", _("Unknown visibility."), "invalid_choice"
            )
        macro.visibility = values["visibility"]
    if "transition" in values:
        name = values["transition"] or ""
        if name and name not in TRANSITIONS:
            raise errors.ValidationFailed.on(
                "transition",
                _("Unknown transition %(name)s.") % {"name": repr(name)},
                "invalid_choice",
            )
        if TRANSITIONS.get(name) and TRANSITIONS[name].requires_reason:
            raise errors.ValidationFailed.on(
                "transition", _("A macro cannot take a transition that needs a reason."), "invalid"
            )
        macro.transition = name
    if "priority" in values:
        priority = values["priority"] or ""
        if priority and priority not in Priority.values:
            raise errors.ValidationFailed.on("priority", _("Unknown priority."), "invalid_choice")
        macro.priority = priority
    if "team" in values:
        macro.team = _refs.team(org_id, values["team"])
    if "set_team" in values:
        macro.set_team = _refs.team(org_id, values["set_team"], field="set_team")
    if "assignee" in values:
        macro.assignee = _refs.agent(org_id, values["assignee"])
    if "add_tags" in values:
        tags = [str(t).strip() for t in values["add_tags"] or [] if str(t).strip()]
        if len(tags) > MAX_TAGS:
            raise errors.ValidationFailed.on(
                "add_tags", _("At most %(max)s tags.") % {"max": MAX_TAGS}, "max_length"
            )
        for index, tag in enumerate(tags):
            if len(tag) > 50:
                raise errors.ValidationFailed.on(
                    f"add_tags[{index}]", _("At most 50 characters."), "max_length"
                )
        macro.add_tags = tags
    if not (macro.body.strip() or macro.has_changes()):
        raise errors.ValidationFailed.on(
            "body", _("A macro needs a reply or at least one field change."), "blank"
        )


def _save(actor: User, macro: Macro, action: str) -> Macro:
    try:
        with transaction.atomic():
            macro.updated_at = timezone.now()
            macro.save()
            audit.record(
                actor=actor,
                action=f"macro.{action}",
                obj_type="macro",
                obj_id=macro.pk,
                changes={"name": macro.name},
            )
    except IntegrityError:
        raise errors.Conflict(_("A macro with this name already exists.")) from None
    return macro


def macro_create(*, actor: User, **values: Any) -> Macro:
    policy.require(actor, MANAGE)
    if actor.organization_id is None:
        raise errors.PermissionDenied()
    macro = Macro(organization_id=actor.organization_id, created_by=actor)
    values.setdefault("name", "")
    _clean(actor, macro, values)
    return _save(actor, macro, "created")


def macro_update(*, actor: User, macro: Macro, **values: Any) -> Macro:
    policy.require(actor, MANAGE, macro)
    _clean(actor, macro, {k: v for k, v in values.items() if v is not UNSET})
    return _save(actor, macro, "updated")


def macro_delete(*, actor: User, macro: Macro) -> None:
    policy.require(actor, MANAGE, macro)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="macro.deleted",
            obj_type="macro",
            obj_id=macro.pk,
            changes={"name": macro.name},
        )
        macro.delete()


# --- Preview and apply ---------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str  # "status", "priority", "assignee", "team", "tags"
    value: str  # what the macro sets, for display (a name, not an id)


@dataclass(frozen=True)
class MacroPreview:
    body: str
    body_html: str
    visibility: str
    changes: list[Change] = field(default_factory=list)
    unfilled: list[str] = field(default_factory=list)


def _variables(actor: User, ticket: Ticket) -> dict[str, str]:
    return {
        "ticket.number": f"{ticket.organization.slug.upper()}-{ticket.number}",
        "ticket.title": ticket.title,
        "ticket.status": str(ticket.get_status_display()),
        "ticket.priority": str(ticket.get_priority_display()),
        "requester.name": ticket.requester.display_name,
        "requester.email": ticket.requester.email,
        "assignee.name": ticket.assignee.display_name if ticket.assignee else "",
        "agent.name": actor.display_name,
    }


def fill(text: str, actor: User, ticket: Ticket) -> tuple[str, list[str]]:
    """`text` with its known `{{ variables }}` filled; the unknown ones, left as written."""
    values = _variables(actor, ticket)
    unfilled: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        unfilled.append(match.group(0))
        return match.group(0)

    return PLACEHOLDER.sub(substitute, text), unfilled


def macro_preview(*, actor: User, macro: Macro, ticket: Ticket) -> MacroPreview:
    """What applying `macro` to `ticket` would post and change; writes nothing."""
    policy.require(actor, "ticket.view_all", ticket)
    body, unfilled = fill(macro.body, actor, ticket)
    changes: list[Change] = []
    if macro.priority:
        changes.append(Change("priority", str(Priority(macro.priority).label)))
    if macro.assignee is not None:
        changes.append(Change("assignee", macro.assignee.display_name))
    if macro.set_team is not None:
        changes.append(Change("team", macro.set_team.name))
    if macro.add_tags:
        changes.append(Change("tags", ", ".join(macro.add_tags)))
    if macro.transition:
        changes.append(Change("status", macro.transition))
    return MacroPreview(
        body=body,
        body_html=render_markdown(body) if body.strip() else "",
        visibility=macro.visibility,
        changes=changes,
        unfilled=unfilled,
    )


def macro_apply(*, actor: User, macro: Macro, ticket: Ticket) -> Ticket:
    """Field changes, then the reply, then the transition: all or nothing."""
    policy.require(actor, "ticket.view_all", ticket)
    preview = macro_preview(actor=actor, macro=macro, ticket=ticket)
    with transaction.atomic():
        fields: dict[str, Any] = {}
        if macro.priority:
            fields["priority"] = macro.priority
        if macro.assignee_id:
            fields["assignee_id"] = macro.assignee_id
        if macro.set_team_id:
            fields["team_id"] = macro.set_team_id
        if macro.add_tags:
            current = list(ticket.tags.values_list("name", flat=True))
            fields["tags"] = sorted({*current, *macro.add_tags})
        if fields:
            ticket = ticket_update(actor=actor, ticket=ticket, **fields)
        if preview.body.strip():
            comment_create(
                actor=actor, ticket=ticket, body=preview.body, visibility=macro.visibility
            )
        if macro.transition:
            ticket_transition(actor=actor, ticket=ticket, name=macro.transition)
        audit.record(
            actor=actor,
            action="macro.applied",
            obj_type="ticket",
            obj_id=ticket.pk,
            changes={"macro": macro.pk},
        )
    return Ticket.objects.get(pk=ticket.pk)
