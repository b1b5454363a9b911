"""GET /api/v1/kb/articles and /api/v1/kb/articles/{id}: shape, scope, search, pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from kb.models import ArticlePage
from kb.services import articles
from ruledesk.tenancy.models import Organization, User
from workflows import services as workflows

pytestmark = pytest.mark.django_db

Api = Callable[[User | None], APIClient]


@pytest.fixture
def kb(acme: Organization, globex: Organization, admin: User) -> dict[str, ArticlePage]:
    billing = workflows.category_create(actor=admin, name="Billing")
    en = articles.article_create(
        acme,
        title="Paying an invoice",
        summary="Bank transfer or card.",
        body='<p>Pay <b>now</b>.</p><script>alert(1)</script><a href="javascript:x()">x</a>',
        categories=[billing],
    )
    pl = articles.article_create(
        acme,
        title="Opłacanie faktury",
        summary="Przelew lub karta.",
        body="<p>Zapłać teraz.</p>",
        language="pl",
        translation_of=en,
        categories=[billing],
    )
    internal = articles.article_create(
        acme,
        title="Refund approvals",
        summary="Staff only.",
        body="<p>Ask finance.</p>",
        visibility="internal",
    )
    draft = articles.article_create(
        acme, title="Unpublished invoice note", summary="d", body="<p>d</p>", publish=False
    )
    other = articles.article_create(globex, title="Globex invoices", summary="g", body="<p>g</p>")
    return {"en": en, "pl": pl, "internal": internal, "draft": draft, "other": other}


def ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def test_staff_see_published_articles_of_their_organization(
    kb: dict[str, ArticlePage], agent: User, api: Api
) -> None:
    response = api(agent).get("/api/v1/kb/articles")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "next", "previous"}
    assert ids(response) == {kb["en"].pk, kb["pl"].pk, kb["internal"].pk}
    row = next(r for r in body["results"] if r["id"] == kb["en"].pk)
    assert row["categories"][0]["name"] == "Billing"
    assert row["translation"] == {"id": kb["pl"].pk, "title": "Opłacanie faktury", "language": "pl"}
    assert row["language"] == "en" and row["visibility"] == "public"
    assert row["url"] == f"/help/articles/{kb['en'].pk}"
    assert row["score"] is None
    assert response["Cache-Control"] == "no-store"


def test_requesters_see_public_articles_only(
    kb: dict[str, ArticlePage], requester: User, api: Api
) -> None:
    client = api(requester)
    assert ids(client.get("/api/v1/kb/articles")) == {kb["en"].pk, kb["pl"].pk}
    assert client.get(f"/api/v1/kb/articles/{kb['internal'].pk}").status_code == 404
    assert client.get(f"/api/v1/kb/articles/{kb['draft'].pk}").status_code == 404
    assert client.get(f"/api/v1/kb/articles/{kb['other'].pk}").status_code == 404


def test_search_ranks_and_scopes(kb: dict[str, ArticlePage], requester: User, api: Api) -> None:
    response = api(requester).get("/api/v1/kb/articles", {"q": "faktury"})
    assert [r["id"] for r in response.json()["results"]] == [kb["pl"].pk]
    invoice = api(requester).get("/api/v1/kb/articles", {"q": "invoic"}).json()["results"]
    assert [r["id"] for r in invoice] == [kb["en"].pk]
    assert invoice[0]["score"] > 0


def test_filters_and_their_validation(kb: dict[str, ArticlePage], agent: User, api: Api) -> None:
    client = api(agent)
    category = kb["en"].categories.first()
    assert category is not None
    assert ids(client.get("/api/v1/kb/articles", {"category": category.pk})) == {
        kb["en"].pk,
        kb["pl"].pk,
    }
    assert ids(client.get("/api/v1/kb/articles", {"language": "pl"})) == {kb["pl"].pk}
    bad_params: list[dict[str, str]] = [{"category": "x"}, {"language": "de"}, {"q": "a" * 201}]
    for params in bad_params:
        bad = client.get("/api/v1/kb/articles", params)
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["field"] == next(iter(params))


def test_pages_follow_next_links(kb: dict[str, ArticlePage], agent: User, api: Api) -> None:
    client = api(agent)
    first = client.get("/api/v1/kb/articles", {"page_size": "2"}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    searched = client.get("/api/v1/kb/articles", {"q": "a", "page_size": "1"}).json()
    assert searched["previous"] is None


def test_detail_has_sanitized_body(kb: dict[str, ArticlePage], requester: User, api: Api) -> None:
    response = api(requester).get(f"/api/v1/kb/articles/{kb['en'].pk}")
    assert response.status_code == 200
    html = response.json()["body_html"]
    assert "<b>now</b>" in html
    assert "script" not in html and "javascript:" not in html


def test_an_internal_translation_is_not_named_to_requesters(
    acme: Organization, requester: User, agent: User, api: Api
) -> None:
    secret = articles.article_create(
        acme, title="Wewnętrzne", summary="s", body="<p>b</p>", language="pl", visibility="internal"
    )
    public = articles.article_create(
        acme, title="Public", summary="s", body="<p>b</p>", translation_of=secret
    )
    row = api(requester).get(f"/api/v1/kb/articles/{public.pk}").json()
    assert row["translation"] is None
    staff = api(agent).get(f"/api/v1/kb/articles/{public.pk}").json()
    assert staff["translation"]["id"] == secret.pk
