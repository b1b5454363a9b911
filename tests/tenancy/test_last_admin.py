"""The last-admin rule: an organization always keeps one active admin."""

from __future__ import annotations

from typing import Any

import pytest

from ruledesk import errors
from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy import services as tenancy
from ruledesk.tenancy.models import Role, User
from tests import factories


def _assert_still_sole_admin(user: User) -> None:
    fresh = User.objects.get(pk=user.pk)
    assert fresh.role == Role.ADMIN
    assert fresh.is_active is True
    assert fresh.deleted_at is None
    assert fresh.check_password(factories.PASSWORD)


# --- service ---------------------------------------------------------------------------


def test_service_refuses_to_demote_the_only_admin(admin: User) -> None:
    with pytest.raises(errors.LastAdmin):
        tenancy.user_update(actor=admin, user=admin, role=Role.AGENT)
    _assert_still_sole_admin(admin)


def test_service_refuses_to_deactivate_the_only_admin(admin: User) -> None:
    with pytest.raises(errors.LastAdmin):
        tenancy.user_update(actor=admin, user=admin, is_active=False)
    _assert_still_sole_admin(admin)


def test_service_refuses_to_delete_the_only_admin(admin: User) -> None:
    with pytest.raises(errors.LastAdmin):
        tenancy.user_delete(actor=admin, user=admin)
    _assert_still_sole_admin(admin)


def test_service_demotes_an_admin_when_another_active_admin_remains(acme, admin: User) -> None:
    second = factories.user(acme, Role.ADMIN, email="second@acme.test")
    tenancy.user_update(actor=admin, user=second, role=Role.AGENT)
    assert User.objects.get(pk=second.pk).role == Role.AGENT


def test_service_does_not_count_an_inactive_admin_as_remaining(acme, admin: User) -> None:
    dormant = factories.user(acme, Role.ADMIN, email="dormant@acme.test")
    tenancy.user_update(actor=admin, user=dormant, is_active=False)
    with pytest.raises(errors.LastAdmin):
        tenancy.user_update(actor=admin, user=admin, role=Role.REQUESTER)
    _assert_still_sole_admin(admin)


def test_service_keeps_the_admin_of_another_organization_out_of_the_count(
    admin: User, outsider: User
) -> None:
    with pytest.raises(errors.LastAdmin):
        tenancy.user_update(actor=admin, user=admin, role=Role.AGENT)
    _assert_still_sole_admin(admin)


def test_service_lets_the_last_admin_change_name_and_keep_the_role(admin: User) -> None:
    tenancy.user_update(actor=admin, user=admin, name="Alice A.", role=Role.ADMIN, is_active=True)
    fresh = User.objects.get(pk=admin.pk)
    assert (fresh.name, fresh.role, fresh.is_active) == ("Alice A.", Role.ADMIN, True)


# --- API -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{"role": "agent"}, {"role": "requester"}, {"is_active": False}],
    ids=["demote-to-agent", "demote-to-requester", "deactivate"],
)
def test_patch_of_the_only_admin_answers_409_last_admin_and_changes_nothing(
    api, admin: User, body: dict[str, Any]
) -> None:
    response = api(admin).patch(f"/api/v1/users/{admin.pk}", body, format="json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "last_admin"
    _assert_still_sole_admin(admin)
    assert (
        not AuditEvent.objects.filter(object_type="user", object_id=str(admin.pk))
        .exclude(action="user.create")
        .exists()
    )


def test_delete_of_the_only_admin_answers_409_last_admin_and_changes_nothing(
    api, admin: User
) -> None:
    response = api(admin).delete(f"/api/v1/users/{admin.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    _assert_still_sole_admin(admin)
    assert api(admin).get(f"/api/v1/users/{admin.pk}").status_code == 200


def test_admin_demotes_another_admin_when_two_exist(api, acme, admin: User) -> None:
    second = factories.user(acme, Role.ADMIN, email="second@acme.test", name="Sam Second")
    response = api(admin).patch(f"/api/v1/users/{second.pk}", {"role": "agent"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "agent"
    assert User.objects.get(pk=second.pk).role == Role.AGENT
    # Now alice is the only one left, and the rule protects her.
    again = api(admin).patch(f"/api/v1/users/{admin.pk}", {"role": "agent"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "last_admin"


def test_admin_demotes_themselves_when_another_admin_exists(api, acme, admin: User) -> None:
    factories.user(acme, Role.ADMIN, email="second@acme.test")
    response = api(admin).patch(f"/api/v1/users/{admin.pk}", {"role": "agent"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "agent"
    assert User.objects.get(pk=admin.pk).role == Role.AGENT


def test_admin_deletes_themselves_when_another_admin_exists(api, acme, admin: User) -> None:
    second = factories.user(acme, Role.ADMIN, email="second@acme.test")
    response = api(admin).delete(f"/api/v1/users/{admin.pk}")
    assert response.status_code == 204
    gone = User.objects.get(pk=admin.pk)
    assert gone.deleted_at is not None
    assert gone.is_active is False
    assert api(second).get(f"/api/v1/users/{admin.pk}").status_code == 404


def test_deactivating_the_other_of_two_admins_then_leaves_the_rule_in_force(
    api, acme, admin: User
) -> None:
    second = factories.user(acme, Role.ADMIN, email="second@acme.test")
    client = api(admin)
    assert (
        client.patch(f"/api/v1/users/{second.pk}", {"is_active": False}, format="json").status_code
        == 200
    )
    response = client.delete(f"/api/v1/users/{admin.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    _assert_still_sole_admin(admin)
