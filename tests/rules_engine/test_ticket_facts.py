"""The event's ticket, its requester's e-mail and its tags, loaded in one query."""

from __future__ import annotations

from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from ruledesk.tenancy.models import Organization, Role, User
from rules_engine.snapshot import ticket_facts
from tests import factories
from tests.rules_engine.conftest import ticket
from workflows import services as tickets
from workflows.models import Ticket


def test_facts_hold_the_same_ticket_as_the_orm_with_tags_in_the_order_added(
    admin: User, requester: User
) -> None:
    created = ticket(requester)
    tickets.ticket_update(actor=admin, ticket=created, tags=["zebra", "Alpha"])
    tickets.ticket_update(actor=admin, ticket=created, tags=["zebra", "Alpha", "mid"])

    with CaptureQueriesContext(connection) as queries:
        facts = ticket_facts(organization_id=created.organization_id, ticket_id=created.pk)

    assert len(queries) == 1
    assert facts is not None
    stored = Ticket.objects.get(pk=created.pk)
    assert model_to_dict(facts.ticket) == model_to_dict(stored)
    assert facts.ticket.status == stored.status and facts.ticket.number == stored.number
    assert facts.ticket.get_deferred_fields() == {"search_public", "search_all"}
    assert facts.requester_email == requester.email
    assert facts.tag_names == ["zebra", "Alpha", "mid"]


def test_another_organizations_ticket_has_no_facts(requester: User, globex: Organization) -> None:
    outsider = factories.user(globex, Role.REQUESTER, email="someone@globex.test")
    theirs = ticket(outsider)

    assert requester.organization_id is not None
    assert ticket_facts(organization_id=requester.organization_id, ticket_id=theirs.pk) is None
    assert ticket_facts(organization_id=globex.pk, ticket_id=theirs.pk) is not None
