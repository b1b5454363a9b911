"""Two admins demoting each other at the same moment: one wins, the other gets LastAdmin."""

from __future__ import annotations

import pytest
from django.db import connections, transaction

from ruledesk import errors
from ruledesk.tenancy import services as tenancy
from ruledesk.tenancy.models import Role, User
from tests import factories, threads


@pytest.mark.django_db(transaction=True)
def test_admins_demoting_each_other_concurrently_leave_one_admin() -> None:
    org = factories.organization("acme")
    alice = factories.user(org, Role.ADMIN, email="alice@acme.test")
    bob = factories.user(org, Role.ADMIN, email="bob@acme.test")
    outcomes: dict[str, object] = {}
    pids: list[int] = []

    def demote(name: str, actor: User, target: User) -> None:
        try:
            pids.append(threads.backend_pid())
            tenancy.user_update(actor=actor, user=target, role=Role.AGENT)
            outcomes[name] = "demoted"
        except Exception as exc:  # the outcome is what the test inspects
            outcomes[name] = exc
        finally:
            connections.close_all()

    # Hold both admin rows so the two demotions start waiting together, then let go at once.
    # The wait watches these two threads' own backends (other test workers share the server),
    # and a race that cannot be set up fails the test rather than passing it untested.
    with transaction.atomic():
        list(User.objects.select_for_update().filter(pk__in=[alice.pk, bob.pk]))
        demoters = [
            threads.started(demote, "alice", bob, alice),
            threads.started(demote, "bob", alice, bob),
        ]
        threads.wait_until(lambda: len(pids) == 2, "both demotions to connect")
        threads.wait_until(
            lambda: threads.waiting_on_locks(pids) == 2, "both demotions to block on the lock"
        )
    threads.join_all(demoters)

    results = sorted(
        "demoted" if outcome == "demoted" else type(outcome).__name__
        for outcome in outcomes.values()
    )
    assert results == ["LastAdmin", "demoted"], outcomes
    assert isinstance(next(o for o in outcomes.values() if o != "demoted"), errors.LastAdmin)
    assert User.objects.filter(organization=org, role=Role.ADMIN, is_active=True).count() == 1
