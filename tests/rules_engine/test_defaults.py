"""The default rule set: installed idempotently, and no requester ever reads internal content."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from ruledesk.events.services import emit
from ruledesk.notifications.models import EmailMessage, Notification
from ruledesk.tenancy import services as tenancy
from ruledesk.tenancy.models import Organization, Role, Team, User
from rules_engine.defaults import DEFAULT_RULES
from rules_engine.models import Rule, RuleExecution
from rules_engine.services import rules_install_defaults
from rules_engine.validation import validate_definition
from tests import factories
from tests.rules_engine.conftest import dispatch_all
from workflows import services as tickets
from workflows.models import Ticket

SECRET = "ZEBRA-INTERNAL-7731"


@pytest.mark.parametrize("spec", DEFAULT_RULES, ids=[spec.key for spec in DEFAULT_RULES])
def test_every_default_rule_is_valid_at_position_100_plus_without_stop(spec: Any) -> None:
    assert spec.position >= 100
    problems = validate_definition(
        event=spec.event,
        schedule=None,
        conditions=spec.conditions,
        actions=spec.actions,
        refs=None,
    )
    assert problems == []


def test_installing_defaults_is_idempotent_and_keeps_edits(acme: Organization) -> None:
    assert rules_install_defaults(organization_id=acme.pk) == len(DEFAULT_RULES)
    edited = Rule.objects.get(organization=acme, default_key="notify-mentioned")
    Rule.objects.filter(pk=edited.pk).update(active=False, name="Mentions (off)")
    Rule.objects.filter(organization=acme, default_key="sla-warning-team").delete()

    assert rules_install_defaults(organization_id=acme.pk) == 1
    rules = Rule.objects.filter(organization=acme)
    assert rules.count() == len(DEFAULT_RULES)
    assert not rules.filter(stop_processing=True).exists()
    assert rules.get(pk=edited.pk).name == "Mentions (off)"
    assert sorted(rules.values_list("default_key", flat=True)) == sorted(
        spec.key for spec in DEFAULT_RULES
    )


@pytest.fixture
def desk(acme: Organization, admin: User, agent: User, requester: User) -> dict[str, Any]:
    """acme with the default rules, a Support team escalating to Escalations, a ticket."""
    rules_install_defaults(organization_id=acme.pk)
    agent2 = factories.user(acme, Role.AGENT, email="agent2@acme.test", name="Dan Agent")
    escalations = factories.team(acme, "Escalations", agent2)
    support: Team = factories.team(acme, "Support", agent)
    tenancy.team_update(actor=admin, team=support, escalation_team_id=escalations.pk)
    ticket = tickets.ticket_create(actor=requester, title="VPN down")
    dispatch_all()
    return {"agent2": agent2, "support": support, "escalations": escalations, "ticket": ticket}


def _sla(ticket: Ticket, kind: str) -> None:
    with transaction.atomic():
        emit(
            organization_id=ticket.organization_id,
            type=kind,
            ticket_id=ticket.pk,
            payload={"target": "resolution", "due_at": "2026-11-25T18:00:00Z"},
        )


def _texts(user: User) -> list[str]:
    texts: list[str] = []
    for note in Notification.objects.filter(recipient=user):
        texts += [note.title, note.body]
    for mail in EmailMessage.objects.filter(recipient=user):
        texts += [mail.subject, mail.body_text, mail.body_html]
    return texts


def test_requesters_receive_no_internal_content_from_any_default_rule(
    admin: User, agent: User, requester: User, desk: dict[str, Any]
) -> None:
    ticket: Ticket = desk["ticket"]
    agent2: User = desk["agent2"]
    tickets.ticket_update(actor=admin, ticket=ticket, team_id=desk["support"].pk)
    tickets.ticket_update(actor=admin, ticket=ticket, assignee_id=agent.pk)
    dispatch_all()
    # Internal comments: mentioning the requester (not allowed to read it) and an agent.
    tickets.comment_create(
        actor=agent,
        ticket=ticket,
        body=f"@requester@acme.test @agent2@acme.test {SECRET} do not tell the customer",
        visibility="internal",
    )
    tickets.comment_create(
        actor=agent2, ticket=ticket, body=f"Second note {SECRET}", visibility="internal"
    )
    dispatch_all()
    tickets.comment_create(actor=agent, ticket=ticket, body="We are on it.", visibility="public")
    tickets.comment_create(
        actor=requester, ticket=ticket, body="Thanks, @agent@acme.test", visibility="public"
    )
    dispatch_all()
    _sla(ticket, "sla.warning")
    _sla(ticket, "sla.breached")
    dispatch_all()
    tickets.ticket_update(actor=admin, ticket=ticket, assignee_id=None)
    dispatch_all()
    _sla(ticket, "sla.warning")
    dispatch_all()
    tickets.ticket_transition(actor=admin, ticket=Ticket.objects.get(pk=ticket.pk), name="resolve")
    dispatch_all()

    requester_feed = Notification.objects.filter(recipient=requester)
    requester_mail = EmailMessage.objects.filter(recipient=requester)
    # Not vacuous: the requester heard of the public reply and the resolution, and was
    # sent the satisfaction survey (the default rule on resolution), nothing else.
    assert sorted(requester_feed.values_list("kind", flat=True)) == [
        "ticket.replied",
        "ticket.resolved",
    ]
    assert sorted(requester_mail.values_list("kind", flat=True)) == [
        "csat.survey",
        "ticket.replied",
        "ticket.resolved",
    ]
    assert set(requester_feed.values_list("audience", flat=True)) == {"requester"}
    assert set(requester_mail.values_list("audience", flat=True)) == {"requester"}
    for text in _texts(requester):
        assert SECRET not in text
        assert "agent@acme.test" not in text and "agent2@acme.test" not in text
        assert "Support" not in text and "Escalations" not in text
    # Staff did get the internal content, so the secret was really in play.
    assert any(SECRET in text for text in _texts(agent2))


def test_default_rules_notify_assignment_mentions_sla_and_escalate(
    admin: User, agent: User, requester: User, desk: dict[str, Any]
) -> None:
    ticket: Ticket = desk["ticket"]
    agent2: User = desk["agent2"]
    tickets.ticket_update(actor=admin, ticket=ticket, team_id=desk["support"].pk)
    _sla(ticket, "sla.warning")  # unassigned: the team (agent) hears of it
    dispatch_all()
    tickets.ticket_update(actor=admin, ticket=ticket, assignee_id=agent.pk)
    dispatch_all()
    tickets.comment_create(
        actor=agent, ticket=ticket, body="@agent2@acme.test please look", visibility="internal"
    )
    _sla(ticket, "sla.breached")
    dispatch_all()

    kinds = sorted(Notification.objects.filter(recipient=agent).values_list("kind", flat=True))
    assert kinds == ["sla.breached", "sla.warning", "ticket.assigned"]
    mention = Notification.objects.get(recipient=agent2, kind="comment.mentioned")
    assert mention.event == "comment.created"
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.team_id == desk["escalations"].pk
    escalate = RuleExecution.objects.get(rule__default_key="sla-breached-escalate")
    assert escalate.actions == [{"type": "notify", "ok": True}, {"type": "escalate", "ok": True}]
    assert not Notification.objects.filter(recipient=admin).exists()  # the actor is not told


def test_the_organization_created_event_installs_the_defaults(acme: Organization) -> None:
    with transaction.atomic():
        emit(organization_id=acme.pk, type="organization.created", payload={"slug": "acme"})
    dispatch_all()
    assert Rule.objects.filter(organization=acme).count() == len(DEFAULT_RULES)


def test_an_admin_rule_naming_the_requester_sends_nothing_about_an_internal_comment(
    admin: User, agent: User, requester: User
) -> None:
    from tests.rules_engine.conftest import make_rule

    make_rule(
        admin,
        event="comment.created",
        actions=[
            {
                "type": "notify",
                "recipients": ["requester", f"user:{requester.pk}", "assignee"],
                "channel": "both",
            }
        ],
    )
    ticket = tickets.ticket_create(actor=requester, title="Laptop")
    tickets.ticket_update(actor=admin, ticket=ticket, assignee_id=agent.pk)
    dispatch_all()
    tickets.comment_create(actor=admin, ticket=ticket, body=f"{SECRET}", visibility="internal")
    dispatch_all()

    assert not Notification.objects.filter(recipient=requester).exists()
    assert not EmailMessage.objects.filter(recipient=requester).exists()
    assert any(SECRET in text for text in _texts(agent))
