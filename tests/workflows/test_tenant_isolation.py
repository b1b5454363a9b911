"""Another organization's workflow objects answer 404 on every endpoint and never appear in lists."""

from __future__ import annotations

import pytest

from tests.api.problems import assert_problem
from tests.workflows.conftest import fresh, make_ticket
from workflows import services
from workflows.models import Category, Comment, ReopenApproval, SavedView, Tag
from workflows.services import saved_views


@pytest.fixture
def acme_rows(admin, agent, requester, ticket_in):
    ticket = make_ticket(requester, title="Acme zebracorn", priority="high")
    ticket = fresh(ticket)
    comment = services.comment_create(actor=agent, ticket=ticket, body="Acme zebracorn reply")
    note = services.comment_create(actor=agent, ticket=ticket, body="note", visibility="internal")
    resolved = ticket_in("resolved", priority="high", title="Acme resolved zebracorn")
    approval = services.ticket_transition(
        actor=requester, ticket=resolved, name="reopen", reason="again"
    )
    assert isinstance(approval, ReopenApproval)
    category = services.category_create(actor=admin, name="Acme Hardware")
    tag = services.tag_create(actor=admin, name="acme-vip")
    view = saved_views.saved_view_create(actor=agent, name="Acme view", filters={})
    return {
        "ticket": ticket,
        "comment": comment,
        "note": note,
        "resolved": resolved,
        "approval": approval,
        "category": category,
        "tag": tag,
        "view": view,
    }


def test_outsider_gets_404_for_every_acme_object(api, outsider, acme_rows) -> None:
    r = acme_rows
    t, c, a = r["ticket"].pk, r["comment"].pk, r["approval"].pk
    rt = r["resolved"].pk
    client = api(outsider)
    calls = [
        client.get(f"/api/v1/tickets/{t}"),
        client.patch(f"/api/v1/tickets/{t}", {"priority": "low"}, format="json"),
        client.get(f"/api/v1/tickets/{t}/transitions"),
        client.post(f"/api/v1/tickets/{t}/transitions", {"name": "resolve"}, format="json"),
        client.get(f"/api/v1/tickets/{t}/history"),
        client.get(f"/api/v1/tickets/{t}/comments"),
        client.post(f"/api/v1/tickets/{t}/comments", {"body": "hi"}, format="json"),
        client.get(f"/api/v1/tickets/{t}/comments/{c}"),
        client.get(f"/api/v1/tickets/{t}/comments/{r['note'].pk}"),
        client.get(f"/api/v1/tickets/{rt}/reopen-approvals"),
        client.post(f"/api/v1/tickets/{rt}/reopen-approvals/{a}/approve"),
        client.post(f"/api/v1/tickets/{rt}/reopen-approvals/{a}/reject"),
        client.get(f"/api/v1/categories/{r['category'].pk}"),
        client.patch(f"/api/v1/categories/{r['category'].pk}", {"name": "x"}, format="json"),
        client.delete(f"/api/v1/categories/{r['category'].pk}"),
        client.post(f"/api/v1/categories/{r['category'].pk}/archive"),
        client.get(f"/api/v1/tags/{r['tag'].pk}"),
        client.patch(f"/api/v1/tags/{r['tag'].pk}", {"name": "x"}, format="json"),
        client.delete(f"/api/v1/tags/{r['tag'].pk}"),
        client.post(f"/api/v1/tags/{r['tag'].pk}/archive"),
        client.get(f"/api/v1/saved-views/{r['view'].pk}"),
        client.patch(f"/api/v1/saved-views/{r['view'].pk}", {"name": "x"}, format="json"),
        client.delete(f"/api/v1/saved-views/{r['view'].pk}"),
    ]
    for response in calls:
        assert_problem(response, 404, "not_found")
        assert "Acme" not in response.content.decode()
    # Merging their own category into an acme one (or the reverse) is also a 404.
    own_category = services.category_create(actor=outsider, name="Globex Hardware")
    own_tag = services.tag_create(actor=outsider, name="globex-vip")
    for response in (
        client.post(
            f"/api/v1/categories/{own_category.pk}/merge", {"into": r["category"].pk}, format="json"
        ),
        client.post(
            f"/api/v1/categories/{r['category'].pk}/merge", {"into": own_category.pk}, format="json"
        ),
        client.post(f"/api/v1/tags/{own_tag.pk}/merge", {"into": r["tag"].pk}, format="json"),
    ):
        assert_problem(response, 404, "not_found")
    # Nothing changed.
    assert fresh(r["ticket"]).priority == "high"
    assert Comment.objects.filter(ticket=r["ticket"]).count() == 2
    assert ReopenApproval.objects.get(pk=a).status == "pending"
    assert Category.objects.filter(
        pk=r["category"].pk, name="Acme Hardware", is_archived=False
    ).exists()
    assert Category.objects.filter(pk=own_category.pk).exists()
    assert Tag.objects.filter(pk=r["tag"].pk, name="acme-vip", is_archived=False).exists()
    assert SavedView.objects.filter(pk=r["view"].pk, name="Acme view").exists()


def test_lists_and_search_never_include_another_organizations_rows(
    api, outsider, acme_rows
) -> None:
    make_ticket(outsider, title="Globex zebracorn")
    client = api(outsider)
    tickets = client.get("/api/v1/tickets").json()["results"]
    assert [t["title"] for t in tickets] == ["Globex zebracorn"]
    assert [t["title"] for t in client.get("/api/v1/tickets?q=zebracorn").json()["results"]] == [
        "Globex zebracorn"
    ]
    for filters in (
        f"category={acme_rows['category'].pk}",
        "tag=acme-vip",
        f"requester={acme_rows['ticket'].requester_id}",
    ):
        assert client.get(f"/api/v1/tickets?{filters}").json()["results"] == []
    for path in ("/api/v1/categories", "/api/v1/tags", "/api/v1/saved-views"):
        assert client.get(path).json()["results"] == []
