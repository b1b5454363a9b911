"""The notification center: own feed only, filters, keyset pages, mark read, deep links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ruledesk.notifications.models import Notification
from ruledesk.tenancy.models import User
from tests.portal.helpers import HX, fragment, page, queries_of, signed_in
from workflows import services
from workflows.models import Ticket

pytestmark = pytest.mark.django_db


def _notify(
    user: User, title: str, *, kind: str = "ticket.assigned", age: int = 0, **extra: object
) -> Notification:
    assert user.organization_id is not None
    return Notification.objects.create(
        organization_id=user.organization_id,
        recipient=user,
        event=kind,
        kind=kind,
        title=title,
        audience="agent" if user.role != "requester" else "requester",
        created_at=timezone.now() - timedelta(minutes=age),
        dedup_key=f"center:{user.pk}:{title}",
        **extra,
    )


def test_center_lists_only_my_notifications_newest_first(
    agent: User, admin: User, outsider: User
) -> None:
    _notify(agent, "older", age=5)
    _notify(agent, "newer", age=1)
    _notify(admin, "admin's own")
    _notify(outsider, "globex secret")
    html = page(signed_in(agent), "/notifications").content.decode()
    assert html.index("newer</") < html.index("older</")
    assert "admin&#x27;s own" not in html and "admin's own" not in html
    assert "globex secret" not in html


def test_filters_by_state_and_kind(agent: User) -> None:
    _notify(agent, "read one", kind="ticket.replied").__class__.objects.filter(
        title="read one"
    ).update(read_at=timezone.now())
    _notify(agent, "unread breach", kind="sla.breached")
    client = signed_in(agent)
    unread = page(client, "/notifications?state=unread").content.decode()
    assert "unread breach" in unread and "read one" not in unread
    read = page(client, "/notifications?state=read").content.decode()
    assert "read one" in read and "unread breach" not in read
    breaches = page(client, "/notifications?kind=sla.breached").content.decode()
    assert "unread breach" in breaches and "read one" not in breaches


def test_invalid_filter_answers_400_not_500(agent: User) -> None:
    response = signed_in(agent).get("/notifications?state=maybe")
    assert response.status_code == 400
    assert "These filters are not valid." in response.content.decode()
    forged = signed_in(agent).get("/notifications?cursor=not-a-cursor")
    assert forged.status_code == 400


def test_keyset_pages_walk_the_whole_feed_once(agent: User) -> None:
    for i in range(30):
        _notify(agent, f"item-{i:02d}", age=i)
    client = signed_in(agent)
    seen: list[str] = []
    url = "/notifications"
    while url:
        response = page(client, url)
        html = response.content.decode()
        seen += [f"item-{i:02d}" for i in range(30) if f"item-{i:02d}</" in html]
        marker = 'rel="next" href="'
        link = html.split(marker, 1)[1].split('"', 1)[0] if marker in html else ""
        url = "/notifications" + link.replace("&amp;", "&") if link else ""
    assert sorted(seen) == [f"item-{i:02d}" for i in range(30)]
    assert len(seen) == len(set(seen)) == 30


def test_fragment_is_the_feed_without_the_shell(agent: User) -> None:
    _notify(agent, "hello")
    response = fragment(signed_in(agent), "/notifications?state=unread")
    html = response.content.decode()
    assert response.status_code == 200
    assert "hello" in html and "<html" not in html and "<header" not in html


def test_mark_one_read_changes_only_that_one(agent: User) -> None:
    first = _notify(agent, "first")
    second = _notify(agent, "second")
    response = signed_in(agent).post(f"/notifications/{first.pk}/read", {"next": "/notifications"})
    assert response.status_code == 302 and response["Location"] == "/notifications"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_marking_someone_elses_notification_is_404_and_changes_nothing(
    agent: User, admin: User
) -> None:
    theirs = _notify(admin, "admin only")
    response = signed_in(agent).post(f"/notifications/{theirs.pk}/read")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_under_htmx_reloads_and_touches_only_mine(agent: User, admin: User) -> None:
    mine = [_notify(agent, f"m{i}") for i in range(3)]
    theirs = _notify(admin, "theirs")
    response = signed_in(agent).post("/notifications/read-all", **HX)
    assert response.status_code == 204 and response["HX-Redirect"] == "/notifications"
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_open_follows_the_deep_link_for_the_role_and_marks_read(
    agent: User, requester: User
) -> None:
    ticket: Ticket = services.ticket_create(actor=requester, title="Printer", description="")
    number = f"ACME-{ticket.number}"
    for user, prefix in ((agent, "/desk/tickets/"), (requester, "/help/requests/")):
        item = _notify(user, f"about {user.pk}", ticket_id=ticket.pk, ticket_number=number)
        client = signed_in(user)
        response = client.get(f"/notifications/{item.pk}/open")
        assert response.status_code == 302 and response["Location"] == prefix + number
        item.refresh_from_db()
        assert item.read_at is not None
        assert "Printer" in client.get(response["Location"]).content.decode()


def test_requester_deep_link_shows_no_internal_comment(agent: User, requester: User) -> None:
    ticket = services.ticket_create(actor=requester, title="VPN", description="")
    services.comment_create(
        actor=agent, ticket=ticket, body="INTERNAL-MARKER", visibility="internal"
    )
    services.comment_create(actor=agent, ticket=ticket, body="Public answer")
    html = signed_in(requester).get(f"/help/requests/ACME-{ticket.number}").content.decode()
    assert "Public answer" in html and "INTERNAL-MARKER" not in html
    desk = signed_in(agent).get(f"/desk/tickets/ACME-{ticket.number}").content.decode()
    assert "INTERNAL-MARKER" in desk and "Internal</span>" in desk


def test_another_requesters_ticket_is_404(requester: User, acme: object) -> None:
    from tests import factories

    other = factories.user(acme, "requester")  # type: ignore[arg-type]
    ticket = services.ticket_create(actor=other, title="Theirs", description="")
    assert signed_in(requester).get(f"/help/requests/ACME-{ticket.number}").status_code == 404
    assert signed_in(requester).get("/help/requests/ACME-abc").status_code == 404


def test_center_costs_the_same_queries_for_1_and_25_rows(agent: User) -> None:
    client = signed_in(agent)
    _notify(agent, "only", age=100)
    queries_of(client, "/notifications")  # the first request fills the grants cache
    few = queries_of(client, "/notifications")
    for i in range(30):
        _notify(agent, f"n{i}", age=i)
    many = queries_of(client, "/notifications")
    assert few == many <= 10


def test_anonymous_is_sent_to_sign_in() -> None:
    assert Client().get("/notifications")["Location"] == "/login?next=%2Fnotifications"
