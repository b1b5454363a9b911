"""Category model and suggestions (kb.services.classifier, kb.suggestions, the API)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from kb import suggestions
from kb.models import NbCategory, NbExample, NbToken
from kb.services import articles, classifier
from ruledesk.events.models import DomainEvent
from ruledesk.tenancy.models import Organization, User
from workflows import services as workflows
from workflows.models import Category, Ticket
from workflows.services import transitions

pytestmark = pytest.mark.django_db

Api = Callable[[User | None], APIClient]
HARDWARE = ("Printer jams on floor {n}", "Laptop screen broken {n}", "Printer toner empty {n}")
BILLING = ("Invoice has wrong address {n}", "Refund for invoice {n}", "Payment card declined {n}")


@pytest.fixture
def categories(admin: User) -> dict[str, Category]:
    return {
        name: workflows.category_create(actor=admin, name=name)
        for name in ("Hardware", "Billing", "Access")
    }


def ticket(requester: User, title: str, category: Category) -> Ticket:
    return workflows.ticket_create(actor=requester, title=title, category_id=category.pk)


@pytest.fixture
def trained(categories: dict[str, Category], requester: User) -> None:
    for n in range(12):
        for template, name in ((HARDWARE[n % 3], "Hardware"), (BILLING[n % 3], "Billing")):
            classifier.ticket_learn(ticket(requester, template.format(n=n), categories[name]))


def test_learning_counts_once_and_a_new_category_replaces_the_old(
    categories: dict[str, Category], requester: User, admin: User
) -> None:
    t = ticket(requester, "Printer jams", categories["Hardware"])
    assert classifier.ticket_learn(t) is True
    assert classifier.ticket_learn(t) is False  # at-least-once delivery: no double count
    hardware = NbCategory.objects.get(category=categories["Hardware"])
    assert (hardware.docs, hardware.tokens) == (1, 3)  # printer, jams, "printer jams"
    t.category = categories["Billing"]
    assert classifier.ticket_learn(t) is True
    hardware.refresh_from_db()
    assert hardware.docs == 0
    assert not NbToken.objects.filter(category=categories["Hardware"]).exists()
    assert NbToken.objects.get(category=categories["Billing"], token="printer").count == 1


def test_resolving_a_ticket_teaches_the_model_through_its_event(
    categories: dict[str, Category], requester: User, agent: User
) -> None:
    t = ticket(requester, "Monitor flickers", categories["Hardware"])
    transitions.ticket_transition(actor=agent, ticket=t, name="resolve")
    event = DomainEvent.objects.filter(ticket_id=t.pk, type="ticket.status_changed").latest("id")
    classifier.event_learn(event)
    assert NbExample.objects.get(ticket_id=t.pk).category_id == categories["Hardware"].pk
    opened = DomainEvent.objects.filter(ticket_id=t.pk, type="ticket.created").first()
    if opened is not None:
        classifier.event_learn(opened)  # other events teach nothing
    assert NbExample.objects.count() == 1


def test_the_model_suggests_the_likely_category(
    trained: None, categories: dict[str, Category], requester: User
) -> None:
    found = suggestions.suggest(requester, "printer makes noise")
    assert found.categories[0][0] == categories["Hardware"]
    assert found.categories[0][1] > 0.8
    billing = suggestions.suggest(requester, "faktura invoice refund")
    assert billing.categories[0][0] == categories["Billing"]


def test_it_abstains_when_unsure_or_untrained(
    categories: dict[str, Category], requester: User
) -> None:
    assert suggestions.suggest(requester, "printer makes noise").categories == []  # untrained
    for n in range(25):
        classifier.ticket_learn(ticket(requester, f"Printer {n}", categories["Hardware"]))
    assert suggestions.suggest(requester, "zzz qqq").categories == []  # no known word


def test_articles_rank_with_a_boost_for_suggested_categories_and_stay_in_scope(
    trained: None,
    categories: dict[str, Category],
    acme: Organization,
    globex: Organization,
    requester: User,
) -> None:
    printer = articles.article_create(
        acme,
        title="Fixing printer jams",
        summary="Open the tray.",
        body="<p>Printer</p>",
        categories=[categories["Hardware"]],
    )
    articles.article_create(
        acme, title="Printer for staff", summary="s", body="<p>x</p>", visibility="internal"
    )
    articles.article_create(globex, title="Globex printer jams", summary="s", body="<p>x</p>")
    found = suggestions.suggest(requester, "printer jams again")
    assert [a.pk for a, _ in found.articles] == [printer.pk]


def test_article_categories_suggest_even_without_a_trained_model(
    categories: dict[str, Category], acme: Organization, requester: User
) -> None:
    articles.article_create(
        acme,
        title="Changing the payment card",
        summary="Billing settings.",
        body="<p>card</p>",
        categories=[categories["Billing"]],
    )
    found = suggestions.suggest(requester, "payment card")
    assert [(c.name, s) for c, s in found.categories] == [("Billing", 1.0)]


def test_the_api_answers_the_documented_shape(
    trained: None, categories: dict[str, Category], acme: Organization, requester: User, api: Api
) -> None:
    article = articles.article_create(
        acme,
        title="Printer jams",
        summary="s",
        body="<p>x</p>",
        categories=[categories["Hardware"]],
    )
    response = api(requester).get(
        "/api/v1/kb/suggestions", {"title": "printer jams", "description": "paper stuck"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["categories"][0]["id"] == categories["Hardware"].pk
    assert set(body["categories"][0]) == {"id", "name", "score"}
    assert body["articles"] == [
        {
            "id": article.pk,
            "title": "Printer jams",
            "url": f"/help/articles/{article.pk}",
            "score": body["articles"][0]["score"],
        }
    ]
    assert api(requester).get("/api/v1/kb/suggestions").json() == {
        "categories": [],
        "articles": [],
    }
    too_long = api(requester).get("/api/v1/kb/suggestions", {"title": "x" * 301})
    assert too_long.status_code == 400
    assert too_long.json()["errors"][0]["field"] == "title"
