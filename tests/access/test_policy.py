"""ruledesk.access: matrix service, cached grants, and django-guardian object grants."""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm

from ruledesk import errors
from ruledesk.access import policy, services
from ruledesk.access.models import RoleGrant
from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import Team, User
from tests import factories

# --- matrix service --------------------------------------------------------------------


def test_matrix_update_names_a_locked_cell_by_codename_and_role(admin: User) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        services.matrix_update(
            actor=admin,
            grants={"kb.edit": {"requester": True}, "comment.view_internal": {"requester": True}},
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("comment.view_internal.grants.requester", "locked")
    ]
    assert not RoleGrant.objects.exists()
    assert admin.organization_id is not None
    assert policy.organization_grants(admin.organization_id)["kb.edit"]["requester"] is False


def test_matrix_update_refuses_unknown_codename(admin: User) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        services.matrix_update(actor=admin, grants={"nope.nothing": {"agent": True}})
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("nope.nothing", "unknown_permission")
    ]


def test_matrix_update_refuses_unknown_role(admin: User) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        services.matrix_update(actor=admin, grants={"kb.edit": {"owner": True}})
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("kb.edit.grants.owner", "unknown_role")
    ]
    assert not RoleGrant.objects.exists()


def test_matrix_update_accepts_a_locked_cell_at_its_locked_value(admin: User) -> None:
    result = services.matrix_update(
        actor=admin,
        grants={"matrix.manage": {"admin": True}, "comment.view_internal": {"requester": False}},
    )
    assert result["matrix.manage"]["admin"] is True
    assert not RoleGrant.objects.exists()
    assert not AuditEvent.objects.filter(action="matrix.update").exists()


@pytest.mark.parametrize("persona", ["agent", "requester"])
def test_matrix_update_requires_matrix_manage(request, persona: str) -> None:
    actor = request.getfixturevalue(persona)
    with pytest.raises(errors.PermissionDenied):
        services.matrix_update(actor=actor, grants={"users.manage": {persona: True}})
    assert not RoleGrant.objects.exists()


def test_cached_grants_are_invalidated_by_a_matrix_update(admin: User, agent: User) -> None:
    assert policy.can(agent, "reports.export") is True  # fills the cache
    services.matrix_update(actor=admin, grants={"reports.export": {"agent": False}})
    assert policy.can(agent, "reports.export") is False
    assert "reports.export" not in policy.effective_permissions(agent)
    services.matrix_update(actor=admin, grants={"reports.export": {"agent": True}})
    assert policy.can(agent, "reports.export") is True
    assert RoleGrant.objects.get(codename="reports.export", role="agent").granted is True


def test_grants_are_per_organization(admin: User, outsider: User, globex) -> None:
    services.matrix_update(actor=admin, grants={"kb.edit": {"agent": False}})
    assert policy.organization_grants(globex.pk)["kb.edit"]["agent"] is True
    assert admin.organization_id is not None
    assert policy.organization_grants(admin.organization_id)["kb.edit"]["agent"] is False


def test_inactive_user_has_no_permissions(acme, admin: User) -> None:
    second = factories.user(acme, "admin", email="second@acme.test")
    second.is_active = False
    assert policy.effective_permissions(second) == []
    assert policy.can(second, "users.view") is False


def test_can_refuses_another_organization_object_whatever_the_role(
    admin: User, outsider: User, globex
) -> None:
    theirs = factories.team(globex, "Theirs")
    assert policy.can(admin, "teams.manage", theirs) is False
    with pytest.raises(errors.NotFound):
        policy.require(admin, "teams.manage", theirs)


# --- django-guardian object grants -----------------------------------------------------


def test_agent_with_object_grant_changes_that_team_only(api, acme, agent: User) -> None:
    granted = factories.team(acme, "Support")
    other = factories.team(acme, "Billing")
    assign_perm("tenancy.change_team", agent, granted)
    client = api(agent)

    allowed = client.patch(f"/api/v1/teams/{granted.pk}", {"name": "Support Desk"}, format="json")
    denied = client.patch(f"/api/v1/teams/{other.pk}", {"name": "Hijacked"}, format="json")

    assert allowed.status_code == 200
    assert allowed.json()["name"] == "Support Desk"
    assert Team.objects.get(pk=granted.pk).name == "Support Desk"
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"
    assert Team.objects.get(pk=other.pk).name == "Billing"
    event = AuditEvent.objects.get(action="team.update")
    assert (event.actor_id, event.object_id) == (agent.pk, str(granted.pk))


def test_object_grant_covers_membership_of_that_team_only(api, acme, agent: User) -> None:
    colleague = factories.user(acme, "agent", email="colleague@acme.test")
    granted = factories.team(acme, "Support")
    other = factories.team(acme, "Billing")
    assign_perm("tenancy.change_team", agent, granted)
    client = api(agent)
    assert client.post(f"/api/v1/teams/{granted.pk}/members/{colleague.pk}").status_code == 204
    assert client.post(f"/api/v1/teams/{other.pk}/members/{colleague.pk}").status_code == 403
    assert list(granted.memberships.values_list("user_id", flat=True)) == [colleague.pk]
    assert other.memberships.count() == 0


def test_object_grant_does_not_allow_creating_teams(api, acme, agent: User) -> None:
    assign_perm("tenancy.change_team", agent, factories.team(acme, "Support"))
    response = api(agent).post("/api/v1/teams", {"name": "New"}, format="json")
    assert response.status_code == 403
    assert not Team.objects.filter(name="New").exists()


def test_object_grant_on_another_organization_team_never_helps(
    api, globex, agent: User, outsider: User
) -> None:
    theirs = factories.team(globex, "Globex Support")
    assign_perm("tenancy.change_team", agent, theirs)
    client = api(agent)
    response = client.patch(f"/api/v1/teams/{theirs.pk}", {"name": "Hijacked"}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.delete(f"/api/v1/teams/{theirs.pk}").status_code == 404
    assert client.get(f"/api/v1/teams/{theirs.pk}").status_code == 404
    assert Team.objects.get(pk=theirs.pk).name == "Globex Support"
    assert policy.can(agent, "teams.manage", theirs) is False


def test_deactivated_agent_object_grant_is_ignored(acme, agent: User) -> None:
    team = factories.team(acme, "Support")
    assign_perm("tenancy.change_team", agent, team)
    assert policy.can(agent, "teams.manage", team) is True
    agent.is_active = False
    assert policy.can(agent, "teams.manage", team) is False
