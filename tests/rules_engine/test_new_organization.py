"""A new organization gets the default rule set through its `organization.created` event."""

from __future__ import annotations

from ruledesk.events.models import DomainEvent
from ruledesk.events.services import event_dispatch
from ruledesk.tenancy import services as tenancy
from rules_engine.models import Rule


def test_a_new_organization_gets_the_default_rules_once_its_event_is_dispatched(db: None) -> None:
    org = tenancy.organization_create(slug="initech", name="Initech")
    event = DomainEvent.objects.get(organization_id=org.pk, type="organization.created")
    assert not Rule.objects.filter(organization_id=org.pk).exists()

    event_dispatch(event_id=event.pk)
    installed = list(Rule.objects.filter(organization_id=org.pk).order_by("position", "id"))
    DomainEvent.objects.filter(pk=event.pk).update(status="pending")  # a redelivery
    event_dispatch(event_id=event.pk)

    assert len(installed) >= 7
    assert Rule.objects.filter(organization_id=org.pk).count() == len(installed)
    assert all(rule.position >= 100 and not rule.stop_processing for rule in installed)
    assert {rule.event for rule in installed} >= {
        "ticket.updated",
        "comment.created",
        "ticket.status_changed",
        "sla.warning",
        "sla.breached",
    }
