"""The notifications REST API: feed, preferences and templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from ruledesk.audit.models import AuditEvent
from ruledesk.notifications.models import (
    Notification,
    NotificationPreference,
    NotificationTemplate,
)
from ruledesk.tenancy.models import Organization, User

Api = Callable[[User | None], APIClient]
T0 = datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC)


def _notify(user: User, n: int, *, ticket: bool = True, read: bool = False) -> Notification:
    assert user.organization_id is not None
    return Notification.objects.create(
        organization_id=user.organization_id,
        recipient=user,
        event="ticket.updated",
        kind="ticket.assigned",
        title=f"Assigned to you: ACME-{n}",
        body=f"Ticket {n}",
        ticket_id=n if ticket else None,
        ticket_number=f"ACME-{n}" if ticket else "",
        audience="agent",
        created_at=T0 + timedelta(minutes=n),
        read_at=T0 if read else None,
        dedup_key=f"k:{user.pk}:{n}",
    )


# --- Feed ---------------------------------------------------------------------------------


def test_feed_lists_own_notifications_newest_first(api: Api, agent: User, admin: User) -> None:
    first = _notify(agent, 1, ticket=False)
    second = _notify(agent, 2, read=True)
    _notify(admin, 3)

    response = api(agent).get("/api/v1/notifications")

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": second.pk,
                "event": "ticket.updated",
                "title": "Assigned to you: ACME-2",
                "body": "Ticket 2",
                "ticket": {"id": 2, "number": "ACME-2"},
                "read": True,
                "created_at": "2026-11-25T10:02:00Z",
            },
            {
                "id": first.pk,
                "event": "ticket.updated",
                "title": "Assigned to you: ACME-1",
                "body": "Ticket 1",
                "ticket": None,
                "read": False,
                "created_at": "2026-11-25T10:01:00Z",
            },
        ],
        "next": None,
        "previous": None,
    }


def test_unread_filter(api: Api, agent: User) -> None:
    unread = _notify(agent, 1)
    read = _notify(agent, 2, read=True)
    client = api(agent)

    def ids(query: str) -> list[int]:
        return [
            item["id"] for item in client.get(f"/api/v1/notifications{query}").json()["results"]
        ]

    assert ids("?unread=true") == [unread.pk]
    assert ids("?unread=false") == [read.pk]
    assert ids("") == [read.pk, unread.pk]
    bad = client.get("/api/v1/notifications?unread=maybe")
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {"field": "unread", "code": "invalid", "message": "Must be true or false."}
    ]


def test_feed_query_count_does_not_grow_with_rows(api: Api, agent: User) -> None:
    client = api(agent)
    _notify(agent, 1)
    client.get("/api/v1/notifications")  # warm caches (grants, token)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/notifications").json()["results"]) == 1
    for n in range(2, 31):
        _notify(agent, n)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/notifications?page_size=30").json()["results"]) == 30
    assert len(many.captured_queries) == len(one.captured_queries)


def test_mark_one_read(api: Api, agent: User) -> None:
    mine = _notify(agent, 1)

    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        response = api(agent).post(f"/api/v1/notifications/{mine.pk}/read")
        again = api(agent).post(f"/api/v1/notifications/{mine.pk}/read")

    assert (response.status_code, again.status_code) == (204, 204)
    mine.refresh_from_db()
    assert mine.read_at == T0 + timedelta(hours=1)


def test_someone_elses_notification_is_not_found_and_unchanged(
    api: Api, agent: User, admin: User, outsider: User
) -> None:
    theirs = _notify(admin, 1)

    for caller in (agent, outsider):
        response = api(caller).post(f"/api/v1/notifications/{theirs.pk}/read")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert api(agent).post("/api/v1/notifications/999999999/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_the_callers(api: Api, agent: User, admin: User) -> None:
    mine = [_notify(agent, 1), _notify(agent, 2)]
    theirs = _notify(admin, 3)

    assert api(agent).post("/api/v1/notifications/read-all").status_code == 204

    assert all(
        n.read_at is not None for n in Notification.objects.filter(pk__in=[m.pk for m in mine])
    )
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- Preferences ----------------------------------------------------------------------------

AGENT_DEFAULTS = {
    "ticket.created": {"email": False, "in_app": True},
    "ticket.assigned": {"email": True, "in_app": True},
    "ticket.replied": {"email": True, "in_app": True},
    "ticket.resolved": {"email": True, "in_app": True},
    "comment.mentioned": {"email": True, "in_app": True},
    "sla.warning": {"email": True, "in_app": True},
    "sla.breached": {"email": True, "in_app": True},
    "report.ready": {"email": True, "in_app": True},
}


def test_preferences_default_safely(api: Api, agent: User, requester: User) -> None:
    assert api(agent).get("/api/v1/notification-preferences").json() == {"events": AGENT_DEFAULTS}
    requester_view = api(requester).get("/api/v1/notification-preferences").json()["events"]
    assert requester_view == {
        **AGENT_DEFAULTS,
        "ticket.created": {"email": True, "in_app": True},
    }


def test_put_merges_a_partial_map(api: Api, agent: User, admin: User) -> None:
    response = api(agent).put(
        "/api/v1/notification-preferences",
        {"events": {"ticket.assigned": {"email": False}, "sla.warning": {"in_app": False}}},
        format="json",
    )

    assert response.status_code == 200
    expected = {
        **AGENT_DEFAULTS,
        "ticket.assigned": {"email": False, "in_app": True},
        "sla.warning": {"email": True, "in_app": False},
    }
    assert response.json() == {"events": expected}
    assert api(agent).get("/api/v1/notification-preferences").json() == {"events": expected}
    assert api(admin).get("/api/v1/notification-preferences").json() == {"events": AGENT_DEFAULTS}
    second = api(agent).put(
        "/api/v1/notification-preferences",
        {"events": {"ticket.assigned": {"email": True}}},
        format="json",
    )
    assert second.json()["events"]["ticket.assigned"] == {"email": True, "in_app": True}
    assert NotificationPreference.objects.filter(user=agent).count() == 2


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (
            {"events": {"ticket.assigned": {"email": "yes"}}},
            "events.ticket.assigned.email",
            "invalid",
        ),
        (
            {"events": {"ticket.assigned": {"sms": True}}},
            "events.ticket.assigned.sms",
            "invalid_choice",
        ),
        (
            {"events": {"ticket.exploded": {"email": True}}},
            "events.ticket.exploded",
            "invalid_choice",
        ),
        ({"events": {"ticket.assigned": True}}, "events.ticket.assigned", "invalid"),
        ({"events": []}, "events", "invalid"),
        ({}, "events", "invalid"),
        ({"events": {}, "extra": 1}, "extra", "unknown_field"),
        ([], "events", "required"),
    ],
)
def test_put_rejects_bad_maps_naming_the_path(
    api: Api, agent: User, body: object, field: str, code: str
) -> None:
    response = api(agent).put("/api/v1/notification-preferences", body, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert NotificationPreference.objects.count() == 0


def test_put_reports_every_bad_path_and_changes_nothing(api: Api, agent: User) -> None:
    body = {
        "events": {
            "ticket.assigned": {"email": False},
            "sla.warning": {"email": 1, "pager": True},
        }
    }

    response = api(agent).put("/api/v1/notification-preferences", body, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [
        "events.sla.warning.email",
        "events.sla.warning.pager",
    ]
    assert NotificationPreference.objects.count() == 0


# --- Templates ------------------------------------------------------------------------------

NEW = {
    "event": "ticket.assigned",
    "channel": "email",
    "locale": "pl",
    "subject": "[{{ ticket.number }}] Dla Ciebie: {{ ticket.title }}",
    "body": "Cześć {{ recipient.name }}!\n\n{{ ticket.url }}",
}


def test_admin_creates_reads_updates_and_deletes_a_template(api: Api, admin: User) -> None:
    client = api(admin)
    with time_machine.travel(T0, tick=False):
        created = client.post("/api/v1/notification-templates", NEW, format="json")
    assert created.status_code == 201
    template_id = created.json()["id"]
    assert created.json() == {
        "id": template_id,
        **NEW,
        "created_at": "2026-11-25T10:00:00Z",
        "updated_at": "2026-11-25T10:00:00Z",
    }
    assert client.get("/api/v1/notification-templates").json()["results"] == [created.json()]
    assert client.get(f"/api/v1/notification-templates/{template_id}").json() == created.json()

    patched = client.patch(
        f"/api/v1/notification-templates/{template_id}",
        {"body": "{{ ticket.title|upper }}"},
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["body"] == "{{ ticket.title|upper }}"
    assert patched.json()["subject"] == NEW["subject"]

    assert client.delete(f"/api/v1/notification-templates/{template_id}").status_code == 204
    assert not NotificationTemplate.objects.exists()
    assert client.get(f"/api/v1/notification-templates/{template_id}").status_code == 404

    audit = list(
        AuditEvent.objects.filter(object_type="notification_template")
        .order_by("id")
        .values_list("action", "object_id", "actor_id")
    )
    assert audit == [
        ("notification_template.create", str(template_id), admin.pk),
        ("notification_template.update", str(template_id), admin.pk),
        ("notification_template.delete", str(template_id), admin.pk),
    ]
    history = NotificationTemplate.history.filter(id=template_id).order_by("history_id")
    assert [h.history_type for h in history] == ["+", "~", "-"]
    assert history[1].body == "{{ ticket.title|upper }}"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"body": '{% include "/etc/passwd" %}'}, "body"),
        ({"body": "{% load static %}"}, "body"),
        ({"body": "{% debug %}"}, "body"),
        ({"body": "{% if %}"}, "body"),
        ({"subject": "{{ ticket.__class__ }}"}, "subject"),
        ({"subject": "{{ x|safe }}"}, "subject"),
        (
            {
                "body": "{% for a in ticket.title %}{% for b in ticket.title %}{% for c in ticket.title %}x{% endfor %}{% endfor %}{% endfor %}"
            },
            "body",
        ),
    ],
)
def test_bad_templates_answer_400_naming_the_field(
    api: Api, admin: User, changes: dict[str, str], field: str
) -> None:
    response = api(admin).post("/api/v1/notification-templates", {**NEW, **changes}, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, "template_syntax")]
    assert NotificationTemplate.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="notification_template").exists()


def test_patch_with_a_bad_template_changes_nothing(api: Api, admin: User) -> None:
    client = api(admin)
    template_id = client.post("/api/v1/notification-templates", NEW, format="json").json()["id"]

    response = client.patch(
        f"/api/v1/notification-templates/{template_id}", {"body": "{% now 'Y' %}"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"
    assert NotificationTemplate.objects.get().body == NEW["body"]


def test_duplicate_event_channel_locale_is_a_conflict(api: Api, admin: User) -> None:
    client = api(admin)
    first = client.post("/api/v1/notification-templates", NEW, format="json")
    other = client.post(
        "/api/v1/notification-templates", {**NEW, "locale": "en"}, format="json"
    ).json()["id"]

    duplicate = client.post("/api/v1/notification-templates", NEW, format="json")
    clash = client.patch(f"/api/v1/notification-templates/{other}", {"locale": "pl"}, format="json")

    assert first.status_code == 201
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "conflict")
    assert (clash.status_code, clash.json()["code"]) == (409, "conflict")
    assert NotificationTemplate.objects.get(pk=other).locale == "en"
    assert NotificationTemplate.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event": "ticket.updated"}, "event"),
        ({"channel": "sms"}, "channel"),
        ({"locale": "de"}, "locale"),
        ({"subject": "x" * 301}, "subject"),
        ({"body": "x" * 20_001}, "body"),
        ({"id": 5}, "id"),
    ],
)
def test_template_input_is_validated(
    api: Api, admin: User, changes: dict[str, object], field: str
) -> None:
    response = api(admin).post("/api/v1/notification-templates", {**NEW, **changes}, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_non_admins_cannot_touch_templates(
    api: Api, acme: Organization, admin: User, agent: User, requester: User, outsider: User
) -> None:
    template = NotificationTemplate.objects.create(
        organization=acme,
        event="ticket.assigned",
        channel="in_app",
        locale="en",
        subject="s",
        body="b",
    )
    for caller in (agent, requester):
        client = api(caller)
        assert client.get("/api/v1/notification-templates").status_code == 403
        assert client.post("/api/v1/notification-templates", NEW, format="json").status_code == 403
        assert (
            client.patch(
                f"/api/v1/notification-templates/{template.pk}", {"body": "x"}, format="json"
            ).status_code
            == 403
        )
        assert client.delete(f"/api/v1/notification-templates/{template.pk}").status_code == 403
    outsider_client = api(outsider)
    assert outsider_client.get(f"/api/v1/notification-templates/{template.pk}").status_code == 404
    assert (
        outsider_client.delete(f"/api/v1/notification-templates/{template.pk}").status_code == 404
    )
    assert outsider_client.get("/api/v1/notification-templates").json()["results"] == []
    template.refresh_from_db()
    assert (template.subject, template.body) == ("s", "b")
    assert NotificationTemplate.objects.count() == 1
