"""`policy.users_with`: who holds a permission, for pickers and mention autocomplete."""

from __future__ import annotations

from typing import Any

from guardian.shortcuts import assign_perm

from ruledesk.access import policy
from ruledesk.access.services import matrix_update
from ruledesk.tenancy import services as tenancy
from ruledesk.tenancy.models import Organization, Role, User
from ruledesk.tenancy.services import system_actor
from tests import factories


def _emails(users: Any) -> list[str]:
    return sorted(user.email for user in users)


def test_roles_the_matrix_grants_hold_the_permission(
    acme: Organization, admin: User, agent: User, requester: User, outsider: User
) -> None:
    system_actor(acme.pk)  # the automation user holds everything but is nobody to pick
    gone = factories.user(acme, Role.AGENT, email="gone@acme.test")
    tenancy.user_delete(actor=admin, user=gone)
    inactive = factories.user(acme, Role.AGENT, email="inactive@acme.test")
    tenancy.user_update(actor=admin, user=inactive, is_active=False)

    assert _emails(policy.users_with("ticket.update", acme)) == [
        "admin@acme.test",
        "agent@acme.test",
    ]
    assert _emails(policy.users_with("ticket.create", acme)) == [
        "admin@acme.test",
        "agent@acme.test",
        "requester@acme.test",
    ]
    assert _emails(policy.users_with("rules.manage", acme)) == ["admin@acme.test"]


def test_a_revoked_grant_drops_the_role(acme: Organization, admin: User, agent: User) -> None:
    matrix_update(actor=admin, grants={"ticket.update": {"agent": False}})

    assert _emails(policy.users_with("ticket.update", acme)) == ["admin@acme.test"]
    assert [user.pk for user in policy.users_with("ticket.update", acme)] == [admin.pk]


def test_other_organizations_are_never_listed(
    acme: Organization, globex: Organization, admin: User, outsider: User
) -> None:
    theirs = factories.team(globex, "Their desk")

    assert _emails(policy.users_with("teams.manage", globex)) == ["admin@globex.test"]
    assert _emails(policy.users_with("teams.manage", acme)) == ["admin@acme.test"]
    # An object of another organization: nobody here holds anything on it.
    assert list(policy.users_with("teams.manage", acme, theirs)) == []


def test_an_object_grant_adds_its_holder_for_that_object_only(
    acme: Organization, admin: User, agent: User, requester: User
) -> None:
    support = factories.team(acme, "Support")
    billing = factories.team(acme, "Billing")
    assign_perm("tenancy.change_team", agent, support)

    assert _emails(policy.users_with("teams.manage", acme, support)) == [
        "admin@acme.test",
        "agent@acme.test",
    ]
    assert _emails(policy.users_with("teams.manage", acme, billing)) == ["admin@acme.test"]
    assert _emails(policy.users_with("teams.manage", acme)) == ["admin@acme.test"]
    # The same decision as `can`, user by user.
    for user in (admin, agent, requester):
        listed = policy.users_with("teams.manage", acme, support).filter(pk=user.pk).exists()
        assert listed == policy.can(user, "teams.manage", support)


def test_one_query_whatever_the_number_of_holders(
    acme: Organization, admin: User, django_assert_num_queries: Any
) -> None:
    support = factories.team(acme, "Support")
    for _ in range(3):
        assign_perm("tenancy.change_team", factories.user(acme, Role.AGENT), support)
    policy.organization_grants(acme.pk)  # cached, as on any request after the first

    # The matrix from the (database) cache, then the users: guardian's grants are a subquery.
    with django_assert_num_queries(2):
        assert len(list(policy.users_with("teams.manage", acme, support))) == 4
