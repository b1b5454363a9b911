"""`workflows.history`: the entries a viewer may see, and their references, without the API."""

from __future__ import annotations

from typing import Any

from ruledesk.tenancy.models import Organization, Team, User
from tests import factories
from tests.workflows.conftest import fresh, make_ticket
from workflows import services
from workflows.history import HistoryEntry, history_references, history_visible_to
from workflows.models import Visibility


def _summary(entries: list[Any]) -> list[tuple[str, str, Any, Any]]:
    return [(e.kind, e.field, e.before, e.after) for e in entries]


def test_a_requester_sees_no_internal_comment_in_the_history(
    admin: User, agent: User, requester: User
) -> None:
    ticket = make_ticket(requester)
    services.comment_create(
        actor=agent, ticket=ticket, body="Checked the logs.", visibility="internal"
    )
    services.comment_create(actor=agent, ticket=ticket, body="On it.", visibility="public")
    services.ticket_transition(actor=admin, ticket=fresh(ticket), name="open")

    for_agent = history_visible_to(agent, fresh(ticket))
    for_requester = history_visible_to(requester, fresh(ticket))

    assert _summary(for_agent) == [
        ("comment", "", None, Visibility.INTERNAL),
        ("comment", "", None, Visibility.PUBLIC),
        ("transition", "status", "new", "open"),
    ]
    assert _summary(for_requester) == [
        ("comment", "", None, Visibility.PUBLIC),
        ("transition", "status", "new", "open"),
    ]
    assert [e.actor for e in for_requester] == [agent, admin]


def test_field_changes_come_oldest_first_with_reference_ids(
    acme: Organization, admin: User, agent: User, requester: User
) -> None:
    support = factories.team(acme, "Support", agent)
    ticket = make_ticket(requester)
    services.ticket_update(actor=admin, ticket=fresh(ticket), assignee_id=agent.pk, priority="high")
    services.ticket_update(actor=admin, ticket=fresh(ticket), team_id=support.pk)

    entries = history_visible_to(admin, fresh(ticket))

    assert _summary(entries) == [
        ("field", "priority", "medium", "high"),
        ("field", "assignee", None, agent.pk),
        ("field", "team", None, support.pk),
    ]


def test_references_resolve_inside_the_tickets_organization_only(
    acme: Organization, globex: Organization, admin: User, agent: User, requester: User
) -> None:
    support = factories.team(acme, "Support", agent)
    foreign = factories.team(globex, "Foreign")
    ticket = make_ticket(requester)
    services.ticket_update(
        actor=admin, ticket=fresh(ticket), assignee_id=agent.pk, team_id=support.pk
    )
    entries = history_visible_to(admin, fresh(ticket))
    # An entry naming another organization's team (as a forged history row would) finds nothing.
    forged = HistoryEntry(
        at=entries[-1].at,
        kind="field",
        actor=None,
        field="team",
        before=support.pk,
        after=foreign.pk,
    )

    refs = history_references([*entries, forged], fresh(ticket))

    assert refs["assignee"] == {agent.pk: agent}
    assert refs["team"] == {support.pk: Team.objects.get(pk=support.pk)}
    assert refs["category"] == {}
