"""Ticket numbers stay gap-free and unique when many tickets are created at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from ruledesk.tenancy.models import Role
from tests import factories
from workflows import services
from workflows.models import Ticket

CREATORS = 20


@pytest.mark.xdist_group("workflows-numbering")
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_creates_get_numbers_one_to_twenty() -> None:
    org = factories.organization("acme")
    requester = factories.user(org, Role.REQUESTER, email="requester@acme.test")
    other_org = factories.organization("globex")
    other = factories.user(other_org, Role.REQUESTER, email="requester@globex.test")
    start = threading.Barrier(CREATORS + 1)
    failures: list[BaseException] = []

    def create(index: int) -> None:
        try:
            start.wait(timeout=30)
            services.ticket_create(actor=requester, title=f"Concurrent {index}")
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(CREATORS)]
    for thread in threads:
        thread.start()
    start.wait(timeout=30)
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    numbers = sorted(Ticket.objects.filter(organization=org).values_list("number", flat=True))
    assert numbers == list(range(1, CREATORS + 1))
    # The other organization's sequence is untouched and starts at 1.
    assert services.ticket_create(actor=other, title="Theirs").number == 1
