"""Categories and tags: read by everyone in the organization, managed by admins only."""

from __future__ import annotations

import pytest

from ruledesk.audit.models import AuditEvent
from tests.api.problems import assert_problem, field_errors
from tests.workflows.conftest import fresh, make_ticket
from workflows import services
from workflows.models import Category, Tag, TicketTag


@pytest.mark.parametrize("kind", ["categories", "tags"])
def test_everyone_in_the_organization_reads_taxonomy(api, admin, agent, requester, kind) -> None:
    services.category_create(actor=admin, name="Hardware")
    services.tag_create(actor=admin, name="vip")
    expected = {"categories": "Hardware", "tags": "vip"}[kind]
    for user in (admin, agent, requester):
        rows = api(user).get(f"/api/v1/{kind}").json()["results"]
        assert [r["name"] for r in rows] == [expected]
    assert_problem(api(None).get(f"/api/v1/{kind}"), 401, "not_authenticated")


def test_admin_creates_category_and_tag(api, admin) -> None:
    client = api(admin)
    parent = client.post("/api/v1/categories", {"name": "Hardware"}, format="json")
    assert parent.status_code == 201
    assert parent.json() == {
        "id": parent.json()["id"],
        "name": "Hardware",
        "parent": None,
        "default_team": None,
        "is_archived": False,
    }
    child = client.post(
        "/api/v1/categories", {"name": "Printers", "parent": parent.json()["id"]}, format="json"
    )
    assert child.json()["parent"] == {"id": parent.json()["id"], "name": "Hardware"}
    tag = client.post("/api/v1/tags", {"name": "vip"}, format="json")
    assert tag.status_code == 201
    assert tag.json() == {"id": tag.json()["id"], "name": "vip", "is_archived": False}
    assert AuditEvent.objects.filter(action__in=["category.create", "tag.create"]).count() == 3


def test_agents_and_requesters_cannot_write_taxonomy(api, admin, agent, requester) -> None:
    category = services.category_create(actor=admin, name="Hardware")
    other = services.category_create(actor=admin, name="Software")
    tag = services.tag_create(actor=admin, name="vip")
    other_tag = services.tag_create(actor=admin, name="old")
    for user in (agent, requester):
        client = api(user)
        calls = [
            client.post("/api/v1/categories", {"name": "New"}, format="json"),
            client.patch(f"/api/v1/categories/{category.pk}", {"name": "Renamed"}, format="json"),
            client.delete(f"/api/v1/categories/{category.pk}"),
            client.post(f"/api/v1/categories/{category.pk}/archive"),
            client.post(
                f"/api/v1/categories/{category.pk}/merge", {"into": other.pk}, format="json"
            ),
            client.post("/api/v1/tags", {"name": "new"}, format="json"),
            client.patch(f"/api/v1/tags/{tag.pk}", {"name": "renamed"}, format="json"),
            client.delete(f"/api/v1/tags/{tag.pk}"),
            client.post(f"/api/v1/tags/{tag.pk}/archive"),
            client.post(f"/api/v1/tags/{tag.pk}/merge", {"into": other_tag.pk}, format="json"),
        ]
        for response in calls:
            assert_problem(response, 403, "permission_denied")
    assert sorted(Category.objects.values_list("name", "is_archived")) == [
        ("Hardware", False),
        ("Software", False),
    ]
    assert sorted(Tag.objects.values_list("name", "is_archived")) == [
        ("old", False),
        ("vip", False),
    ]
    assert (
        not AuditEvent.objects.filter(object_type__in=["category", "tag"])
        .exclude(action__in=["category.create", "tag.create"])
        .exists()
    )


@pytest.mark.parametrize(("kind", "name"), [("categories", "HARDWARE"), ("tags", "VIP")])
def test_duplicate_name_is_a_conflict(api, admin, kind, name) -> None:
    services.category_create(actor=admin, name="Hardware")
    services.tag_create(actor=admin, name="vip")
    client = api(admin)
    assert_problem(client.post(f"/api/v1/{kind}", {"name": name}, format="json"), 409, "conflict")
    created = client.post(f"/api/v1/{kind}", {"name": "Other"}, format="json")
    renamed = client.patch(f"/api/v1/{kind}/{created.json()['id']}", {"name": name}, format="json")
    assert_problem(renamed, 409, "conflict")
    assert Category.objects.count() + Tag.objects.count() == 3


def test_same_name_in_another_organization_is_fine(api, admin, outsider) -> None:
    services.category_create(actor=admin, name="Hardware")
    assert (
        api(outsider).post("/api/v1/categories", {"name": "Hardware"}, format="json").status_code
        == 201
    )


@pytest.mark.parametrize("kind", ["categories", "tags"])
def test_archive_returns_item_and_refuses_it_on_new_tickets(api, admin, agent, kind) -> None:
    category = services.category_create(actor=admin, name="Hardware")
    tag = services.tag_create(actor=admin, name="vip")
    target = category if kind == "categories" else tag
    response = api(admin).post(f"/api/v1/{kind}/{target.pk}/archive")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["is_archived"]) == (target.pk, True)
    body = (
        {"title": "x", "category": category.pk}
        if kind == "categories"
        else {"title": "x", "tags": ["vip"]}
    )
    refused = api(agent).post("/api/v1/tickets", body, format="json")
    field = "category" if kind == "categories" else "tags[0]"
    assert field_errors(assert_problem(refused, 400, "validation_error")) == {field: "archived"}
    assert (
        AuditEvent.objects.filter(action__endswith=".archive", object_id=str(target.pk)).count()
        == 1
    )


def test_category_merge_repoints_tickets_and_is_audited(api, admin, agent, requester) -> None:
    source = services.category_create(actor=admin, name="Printers")
    target = services.category_create(actor=admin, name="Hardware")
    child = services.category_create(actor=admin, name="Laser", parent_id=source.pk)
    tickets = [make_ticket(requester, category_id=source.pk) for _ in range(2)]
    untouched = make_ticket(requester)
    response = api(admin).post(
        f"/api/v1/categories/{source.pk}/merge", {"into": target.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["id"] == target.pk
    assert [fresh(t).category_id for t in tickets] == [target.pk, target.pk]
    assert fresh(untouched).category_id is None
    assert Category.objects.get(pk=child.pk).parent_id == target.pk
    assert not Category.objects.filter(pk=source.pk).exists()
    event = AuditEvent.objects.get(action="category.merge")
    assert (event.object_id, event.changes, event.actor_id) == (
        str(target.pk),
        {"from": source.pk, "tickets": 2},
        admin.pk,
    )
    assert api(agent).get(f"/api/v1/tickets/{tickets[0].pk}").json()["category"] == {
        "id": target.pk,
        "name": "Hardware",
    }


def test_tag_merge_repoints_tickets_without_duplicates_and_is_audited(api, admin, agent) -> None:
    both = make_ticket(agent, tags=["printer", "printers"])
    only_source = make_ticket(agent, tags=["printers"])
    source = Tag.objects.get(name="printers")
    target = Tag.objects.get(name="printer")
    response = api(admin).post(
        f"/api/v1/tags/{source.pk}/merge", {"into": target.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"id": target.pk, "name": "printer", "is_archived": False}
    assert list(both.tags.values_list("name", flat=True)) == ["printer"]
    assert list(only_source.tags.values_list("name", flat=True)) == ["printer"]
    assert TicketTag.objects.filter(tag=target).count() == 2
    assert not Tag.objects.filter(pk=source.pk).exists()
    assert AuditEvent.objects.get(action="tag.merge").changes == {"from": source.pk, "tickets": 1}


def test_merge_into_itself_is_refused(api, admin) -> None:
    category = services.category_create(actor=admin, name="Hardware")
    response = api(admin).post(
        f"/api/v1/categories/{category.pk}/merge", {"into": category.pk}, format="json"
    )
    assert field_errors(assert_problem(response, 400, "validation_error")) == {"into": "invalid"}
    assert Category.objects.filter(pk=category.pk).exists()


def test_categories_nest_two_levels_at_most(api, admin) -> None:
    client = api(admin)
    top = services.category_create(actor=admin, name="Hardware")
    middle = services.category_create(actor=admin, name="Printers", parent_id=top.pk)
    lone = services.category_create(actor=admin, name="Software")
    too_deep = client.post(
        "/api/v1/categories", {"name": "Laser", "parent": middle.pk}, format="json"
    )
    assert field_errors(assert_problem(too_deep, 400, "validation_error")) == {"parent": "too_deep"}
    # A category with children cannot become a child itself.
    moved = client.patch(f"/api/v1/categories/{top.pk}", {"parent": lone.pk}, format="json")
    assert field_errors(assert_problem(moved, 400, "validation_error")) == {"parent": "too_deep"}
    own = client.patch(f"/api/v1/categories/{lone.pk}", {"parent": lone.pk}, format="json")
    assert_problem(own, 400, "validation_error")
    assert Category.objects.count() == 3
    assert Category.objects.get(pk=top.pk).parent_id is None
    assert Category.objects.get(pk=lone.pk).parent_id is None


def test_delete_of_category_in_use_is_a_conflict(api, admin, requester) -> None:
    used = services.category_create(actor=admin, name="Hardware")
    parent = services.category_create(actor=admin, name="Software")
    services.category_create(actor=admin, name="Editors", parent_id=parent.pk)
    unused = services.category_create(actor=admin, name="Billing")
    make_ticket(requester, category_id=used.pk)
    client = api(admin)
    assert_problem(client.delete(f"/api/v1/categories/{used.pk}"), 409, "conflict")
    assert_problem(client.delete(f"/api/v1/categories/{parent.pk}"), 409, "conflict")
    assert client.delete(f"/api/v1/categories/{unused.pk}").status_code == 204
    assert sorted(Category.objects.values_list("name", flat=True)) == [
        "Editors",
        "Hardware",
        "Software",
    ]
    assert list(
        AuditEvent.objects.filter(action="category.delete").values_list("object_id", flat=True)
    ) == [str(unused.pk)]


def test_delete_of_tag_removes_it_from_tickets(api, admin, agent) -> None:
    ticket = make_ticket(agent, tags=["vip", "old"])
    tag = Tag.objects.get(name="old")
    assert api(admin).delete(f"/api/v1/tags/{tag.pk}").status_code == 204
    assert list(ticket.tags.values_list("name", flat=True)) == ["vip"]
