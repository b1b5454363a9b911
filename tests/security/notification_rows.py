"""Persona-table rows for the notification routes; every route of that API has a row here.

The feed is personal: a notification belongs to acme's agent, so everyone else
(the admin of the same organization included) gets 404 when marking it read.
Templates are admin data (`templates.manage`); acme's template is invisible (404)
to the outsider, the admin of globex.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ruledesk.notifications.models import Notification, NotificationTemplate

if TYPE_CHECKING:
    from tests.security.test_url_personas import Request, Row, World


def _agents_notification(world: World, persona: str) -> tuple[str, Any]:
    agent = world.personas["agent"]
    assert agent is not None
    notification = Notification.objects.create(
        organization=world.acme,
        recipient=agent,
        event="ticket.assigned",
        kind="ticket.assigned",
        title="Assigned to you: ACME-1",
        audience="agent",
        dedup_key=f"persona:{persona}",
    )
    return f"/api/v1/notifications/{notification.pk}/read", None


def only_own_notifications(world: World, persona: str, response: Any) -> None:
    caller = world.personas[persona]
    assert caller is not None
    ids = {item["id"] for item in response.json()["results"]}
    assert ids == set(Notification.objects.filter(recipient=caller).values_list("pk", flat=True))


def _acme_template(body: Any = None) -> Request:
    def build(world: World, persona: str) -> tuple[str, Any]:
        template = NotificationTemplate.objects.create(
            organization=world.acme,
            event="ticket.assigned",
            channel="in_app",
            locale="en",
            subject="{{ ticket.number }}",
            body="{{ ticket.title }}",
        )
        return f"/api/v1/notification-templates/{template.pk}", body

    return build


def _seed_feed(world: World, persona: str) -> tuple[str, Any]:
    for name, user in world.personas.items():
        if user is not None:
            assert user.organization_id is not None
            Notification.objects.create(
                organization_id=user.organization_id,
                recipient=user,
                event="ticket.created",
                kind="ticket.created",
                title=f"For {name}",
                audience="requester" if name == "requester" else "agent",
                dedup_key=f"feed:{name}",
            )
    return "/api/v1/notifications", None


def rows(row: type[Row], expect: Any, at: Any) -> tuple[Row, ...]:
    members = expect(admin=200, agent=200, requester=200, outsider=200, anonymous=401)
    members_204 = expect(admin=204, agent=204, requester=204, outsider=204, anonymous=401)
    owner_204 = expect(admin=404, agent=204, requester=404, outsider=404, anonymous=401)
    admin_list = expect(admin=200, agent=403, requester=403, outsider=200, anonymous=401)
    admin_create = expect(admin=201, agent=403, requester=403, outsider=201, anonymous=401)
    admin_on_acme = expect(admin=200, agent=403, requester=403, outsider=404, anonymous=401)
    admin_delete = expect(admin=204, agent=403, requester=403, outsider=404, anonymous=401)
    new_template = {
        "event": "sla.breached",
        "channel": "email",
        "locale": "pl",
        "subject": "Naruszenie SLA: {{ ticket.number }}",
        "body": "Zgłoszenie {{ ticket.number }} przekroczyło termin.",
    }
    return (
        row("api/v1/notifications", "GET", _seed_feed, members, verify=only_own_notifications),
        row(
            "api/v1/notifications/read-all",
            "POST",
            at("/api/v1/notifications/read-all"),
            members_204,
        ),
        row("api/v1/notifications/<int:pk>/read", "POST", _agents_notification, owner_204),
        row(
            "api/v1/notification-preferences",
            "GET",
            at("/api/v1/notification-preferences"),
            members,
        ),
        row(
            "api/v1/notification-preferences",
            "PUT",
            at(
                "/api/v1/notification-preferences",
                {"events": {"ticket.assigned": {"email": False}}},
            ),
            members,
        ),
        row(
            "api/v1/notification-templates",
            "GET",
            at("/api/v1/notification-templates"),
            admin_list,
        ),
        row(
            "api/v1/notification-templates",
            "POST",
            at("/api/v1/notification-templates", new_template),
            admin_create,
        ),
        row("api/v1/notification-templates/<int:pk>", "GET", _acme_template(), admin_on_acme),
        row(
            "api/v1/notification-templates/<int:pk>",
            "PATCH",
            _acme_template({"body": "{{ ticket.title|upper }}"}),
            admin_on_acme,
        ),
        row("api/v1/notification-templates/<int:pk>", "DELETE", _acme_template(), admin_delete),
    )
