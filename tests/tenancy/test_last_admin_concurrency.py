"""Two admins demoting each other at the same moment: one wins, the other gets LastAdmin."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from ruledesk import errors
from ruledesk.tenancy import services as tenancy
from ruledesk.tenancy.models import Role, User
from tests import factories


def _waiting_lock_count() -> int:
    with connection.cursor() as cursor:
        # pg_locks, unlike pg_stat_activity, is not frozen for the length of a transaction.
        cursor.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_admins_demoting_each_other_concurrently_leave_one_admin() -> None:
    org = factories.organization("acme")
    alice = factories.user(org, Role.ADMIN, email="alice@acme.test")
    bob = factories.user(org, Role.ADMIN, email="bob@acme.test")
    outcomes: dict[str, object] = {}

    def demote(name: str, actor: User, target: User) -> None:
        try:
            tenancy.user_update(actor=actor, user=target, role=Role.AGENT)
            outcomes[name] = "demoted"
        except Exception as exc:  # the outcome is what the test inspects
            outcomes[name] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=demote, args=("alice", bob, alice)),
        threading.Thread(target=demote, args=("bob", alice, bob)),
    ]
    # Hold both admin rows so the two demotions start waiting together, then let go at once.
    with transaction.atomic():
        list(User.objects.select_for_update().filter(pk__in=[alice.pk, bob.pk]))
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while _waiting_lock_count() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    for thread in threads:
        thread.join(timeout=20)

    results = sorted(
        "demoted" if outcome == "demoted" else type(outcome).__name__
        for outcome in outcomes.values()
    )
    assert results == ["LastAdmin", "demoted"], outcomes
    assert isinstance(next(o for o in outcomes.values() if o != "demoted"), errors.LastAdmin)
    assert User.objects.filter(organization=org, role=Role.ADMIN, is_active=True).count() == 1
