"""Rules-engine selectors: who reads rules and execution records, without the API."""

from __future__ import annotations

import pytest

from ruledesk import errors
from ruledesk.tenancy.models import User
from rules_engine import selectors
from rules_engine.models import RuleExecution
from tests.rules_engine.conftest import dispatch_all, make_rule, ticket


def test_an_admin_reads_the_executions_of_a_rule_and_of_a_ticket(
    admin: User, requester: User
) -> None:
    rule = make_rule(admin, actions=[{"type": "set_priority", "priority": "high"}])
    filed = ticket(requester)
    dispatch_all()

    by_rule = list(selectors.executions_of_rule(admin, rule.pk))
    by_ticket = list(selectors.executions_of_ticket(admin, filed.pk))

    assert [(e.rule_id, e.ticket_id, e.matched) for e in by_rule] == [(rule.pk, filed.pk, True)]
    assert by_ticket == by_rule


def test_executions_are_hidden_from_other_organizations_and_refused_without_rules_manage(
    admin: User, agent: User, requester: User, outsider: User
) -> None:
    rule = make_rule(admin)
    filed = ticket(requester)
    dispatch_all()
    assert RuleExecution.objects.count() == 1

    with pytest.raises(errors.NotFound):
        selectors.executions_of_rule(outsider, rule.pk)
    with pytest.raises(errors.NotFound):
        selectors.executions_of_ticket(outsider, filed.pk)
    with pytest.raises(errors.PermissionDenied):
        selectors.executions_of_rule(agent, rule.pk)
    with pytest.raises(errors.PermissionDenied):
        selectors.executions_of_ticket(agent, filed.pk)
    with pytest.raises(errors.NotFound):  # a requester cannot see another's ticket at all
        selectors.executions_of_ticket(requester, 10**9)


def test_rules_are_scoped_to_the_organization(admin: User, outsider: User) -> None:
    ours = make_rule(admin, name="Ours")
    theirs = make_rule(outsider, name="Theirs")

    assert list(selectors.rules_visible_to(admin)) == [ours]
    assert selectors.access_rule(admin, ours.pk) == ours
    with pytest.raises(errors.NotFound):
        selectors.access_rule(admin, theirs.pk)


def test_a_dry_run_only_takes_a_ticket_the_actor_sees(
    admin: User, requester: User, outsider: User
) -> None:
    filed = ticket(requester)

    assert selectors.dry_run_ticket(admin, filed.pk) == filed
    with pytest.raises(errors.ValidationFailed) as refused:
        selectors.dry_run_ticket(outsider, filed.pk)
    assert [(e.field, e.code, e.message) for e in refused.value.errors] == [
        ("ticket", "does_not_exist", "No such ticket.")
    ]
