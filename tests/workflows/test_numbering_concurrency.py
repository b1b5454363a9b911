"""Ticket numbers stay gap-free and unique when many tickets are created at once."""

from __future__ import annotations

import threading

import pytest
from django.db import DataError, connections

from ruledesk.tenancy.models import Role
from tests import factories, threads
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

    creators = [threads.started(create, i) for i in range(CREATORS)]
    start.wait(timeout=threads.DEADLINE)
    threads.join_all(creators, timeout=60)
    assert failures == []
    numbers = sorted(Ticket.objects.filter(organization=org).values_list("number", flat=True))
    assert numbers == list(range(1, CREATORS + 1))
    # The other organization's sequence is untouched and starts at 1.
    assert services.ticket_create(actor=other, title="Theirs").number == 1


@pytest.mark.django_db(transaction=True)
def test_a_create_that_fails_after_taking_its_number_gives_the_number_back() -> None:
    """The INSERT fails after the counter moved (a title over the column's 200 characters
    reaches the database: only the API's serializer checks length). The counter rolls back
    with it, so the next ticket takes the same number and no gap appears."""
    org = factories.organization("acme")
    requester = factories.user(org, Role.REQUESTER, email="requester@acme.test")
    assert services.ticket_create(actor=requester, title="First").number == 1

    with pytest.raises(DataError):
        services.ticket_create(actor=requester, title="x" * 201)

    assert services.ticket_create(actor=requester, title="Second").number == 2
    numbers = Ticket.objects.filter(organization=org).values_list("number", flat=True)
    assert sorted(numbers) == [1, 2]
