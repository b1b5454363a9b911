"""`ticket_create(requester_id=...)`: staff file for someone of the organization who may file."""

from __future__ import annotations

import pytest

from ruledesk import errors
from ruledesk.tenancy.models import Organization, User
from tests import factories
from workflows.models import Ticket
from workflows.services import tickets as ticket_services

pytestmark = pytest.mark.django_db


def test_an_agent_files_for_a_requester(agent: User, requester: User) -> None:
    ticket = ticket_services.ticket_create(actor=agent, title="Hi", requester_id=requester.pk)
    assert ticket.requester_id == requester.pk


def test_a_requester_may_not_file_for_someone_else(acme: Organization, requester: User) -> None:
    other = factories.user(acme)
    with pytest.raises(errors.PermissionDenied):
        ticket_services.ticket_create(actor=requester, title="Hi", requester_id=other.pk)
    # Naming oneself is what the requester does anyway.
    ticket = ticket_services.ticket_create(actor=requester, title="Hi", requester_id=requester.pk)
    assert ticket.requester_id == requester.pk


def test_the_requester_must_be_of_the_organization_and_active(agent: User, outsider: User) -> None:
    for bad in (outsider.pk, "1", None):
        with pytest.raises(errors.ValidationFailed):
            ticket_services.ticket_create(actor=agent, title="Hi", requester_id=bad)
    assert not Ticket.objects.exists()
