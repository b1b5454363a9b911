"""Audit events are append-only in the database itself: ORM and raw SQL cannot rewrite them."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import ProgrammingError, connection, transaction

from ruledesk.audit import services as audit
from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import User


@pytest.fixture
def event(admin: User) -> AuditEvent:
    return audit.record(
        actor=admin,
        action="user.role_change",
        obj_type="user",
        obj_id=42,
        changes={"role": ["agent", "admin"]},
    )


def _row(pk: int) -> tuple[Any, ...]:
    return (
        AuditEvent.objects.filter(pk=pk)
        .values_list("action", "object_id", "changes", "actor_id", "created_at")
        .get()
    )


def test_record_appends_a_row_with_the_actor_snapshot(acme, admin: User, event: AuditEvent) -> None:
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.organization_id == acme.pk
    assert (stored.actor_id, stored.actor_name, stored.actor_email) == (
        admin.pk,
        "Alice Admin",
        "admin@acme.test",
    )
    assert (stored.action, stored.object_type, stored.object_id) == (
        "user.role_change",
        "user",
        "42",
    )
    assert stored.changes == {"role": ["agent", "admin"]}


def test_queryset_update_is_refused_and_the_row_is_unchanged(event: AuditEvent) -> None:
    before = _row(event.pk)
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="user.nothing_happened")
    assert _row(event.pk) == before


def test_queryset_delete_is_refused_and_the_row_remains(event: AuditEvent) -> None:
    before = _row(event.pk)
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert _row(event.pk) == before
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_instance_delete_is_refused(event: AuditEvent) -> None:
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_saving_a_modified_instance_is_refused(event: AuditEvent) -> None:
    before = _row(event.pk)
    event.changes = {"role": ["agent", "requester"]}
    event.actor_id = None
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        event.save()
    assert _row(event.pk) == before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'forged' WHERE id = %s",
        "UPDATE audit_auditevent SET changes = '{}'::jsonb WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
    ids=["update-action", "update-changes", "delete"],
)
def test_raw_sql_cannot_rewrite_history(event: AuditEvent, sql: str) -> None:
    before = _row(event.pk)
    with (
        pytest.raises(ProgrammingError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert _row(event.pk) == before


def test_the_refusal_is_a_privilege_error_from_the_database(event: AuditEvent) -> None:
    with pytest.raises(ProgrammingError) as caught, transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(object_id="0")
    cause = caught.value.__cause__
    assert isinstance(cause, psycopg.errors.InsufficientPrivilege)
    assert cause.sqlstate == "42501"  # insufficient_privilege


def test_inserting_new_events_still_works_after_a_refusal(admin: User, event: AuditEvent) -> None:
    with pytest.raises(ProgrammingError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    later = audit.record(actor=admin, action="team.create", obj_type="team", obj_id=1)
    assert AuditEvent.objects.filter(pk__in=[event.pk, later.pk]).count() == 2
