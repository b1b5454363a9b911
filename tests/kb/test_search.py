"""Article search in English and Polish on the real PostgreSQL (kb.search, kb.selectors)."""

from __future__ import annotations

import pytest

from kb import selectors
from kb.models import ArticlePage
from kb.services import articles
from ruledesk.tenancy.models import Organization, User

pytestmark = pytest.mark.django_db


def titles(found: list[ArticlePage]) -> list[str]:
    return [article.title for article in found]


@pytest.fixture
def library(acme: Organization, globex: Organization) -> None:
    articles.article_create(
        acme,
        title="Resetting your password",
        summary="What to do when you cannot sign in.",
        body="<p>Open the sign-in page and choose <b>Forgot password</b>.</p>",
    )
    articles.article_create(
        acme,
        title="Printers are not printing invoices",
        summary="Paper jams and queues.",
        body="<p>Restart the printing queue.</p>",
    )
    articles.article_create(
        acme,
        title="Zmiana hasła do poczty",
        summary="Jak zresetować hasło, gdy logowanie nie działa.",
        body="<p>Wejdź na stronę logowania i wybierz <i>Nie pamiętam hasła</i>.</p>",
        language="pl",
    )
    articles.article_create(
        acme,
        title="Drukarka nie drukuje faktur",
        summary="Zacięty papier.",
        body="<p>Uruchom ponownie kolejkę wydruku.</p>",
        language="pl",
    )
    articles.article_create(
        acme,
        title="VPN for staff",
        summary="Internal only.",
        body="<p>Secret gateway.</p>",
        visibility="internal",
    )
    articles.article_create(
        acme,
        title="Draft about passwords",
        summary="Not yet published.",
        body="<p>password</p>",
        publish=False,
    )
    articles.article_create(
        globex,
        title="Globex password policy",
        summary="Another organization's password article.",
        body="<p>password</p>",
    )


def test_english_words_match_by_stem(library: None, agent: User) -> None:
    assert titles(selectors.search_results(agent, "printed invoice")) == [
        "Printers are not printing invoices"
    ]


def test_the_last_word_matches_as_a_prefix(library: None, agent: User) -> None:
    assert "Resetting your password" in titles(selectors.search_results(agent, "reset pass"))
    assert "Zmiana hasła do poczty" in titles(selectors.search_results(agent, "zmiana has"))


def test_polish_without_diacritics_finds_polish_with_them(library: None, agent: User) -> None:
    assert titles(selectors.search_results(agent, "haslo")) == ["Zmiana hasła do poczty"]
    assert titles(selectors.search_results(agent, "kolejke wydruku")) == [
        "Drukarka nie drukuje faktur"
    ]
    assert titles(selectors.search_results(agent, "hasła")) == ["Zmiana hasła do poczty"]


def test_typos_in_the_title_are_forgiven_by_trigrams(library: None, agent: User) -> None:
    assert "Drukarka nie drukuje faktur" in titles(selectors.search_results(agent, "drukrka"))
    assert "Resetting your password" in titles(selectors.search_results(agent, "pasword"))


def test_title_words_rank_above_body_words(library: None, agent: User) -> None:
    found = titles(selectors.search_results(agent, "password"))
    assert found[0] == "Resetting your password"


def test_scope_drafts_other_organizations_and_internal_articles(
    library: None, agent: User, requester: User, outsider: User
) -> None:
    staff = titles(selectors.search_results(agent, "password"))
    assert "Draft about passwords" not in staff
    assert "Globex password policy" not in staff
    assert "VPN for staff" in titles(selectors.search_results(agent, "vpn"))
    assert titles(selectors.search_results(requester, "vpn")) == []
    assert titles(selectors.search_results(outsider, "password")) == ["Globex password policy"]


def test_queries_without_words_or_with_tsquery_syntax_are_harmless(
    library: None, agent: User
) -> None:
    assert selectors.search_results(agent, "  !!! ") == []
    assert selectors.search_results(agent, "pass & | ! :* ( ' \\") is not None


def test_a_republished_article_is_searched_by_its_new_text(acme: Organization, agent: User) -> None:
    article = articles.article_create(acme, title="Old title", summary="s", body="<p>b</p>")
    revision = article.get_latest_revision_as_object()
    revision.title = "Keyboard layout"
    revision.save_revision().publish()
    assert titles(selectors.search_results(agent, "keyboard")) == ["Keyboard layout"]
    assert selectors.search_results(agent, "old title") == []


def test_scheduled_articles_go_live_with_the_scheduled_job(acme: Organization, agent: User) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from wagtail.models import Revision

    from kb.tasks import publish_scheduled

    article = articles.article_create(
        acme, title="Holiday opening hours", summary="s", body="<p>b</p>", publish=False
    )
    draft = article.get_latest_revision_as_object()
    draft.go_live_at = timezone.now() + timedelta(hours=1)
    revision = draft.save_revision()
    revision.publish()  # a future go-live: Wagtail keeps the revision scheduled
    assert selectors.search_results(agent, "holiday") == []
    past = timezone.now() - timedelta(minutes=1)  # as if the hour had passed
    stored = Revision.objects.get(pk=revision.pk)
    stored.content["go_live_at"] = past.isoformat()
    stored.approved_go_live_at = past
    stored.save(update_fields=["content", "approved_go_live_at"])
    publish_scheduled()
    assert titles(selectors.search_results(agent, "holiday")) == ["Holiday opening hours"]


@pytest.mark.django_db(transaction=True)
def test_a_knowledge_base_is_installed_even_after_a_flush_emptied_wagtails_tree() -> None:
    from django.core.management import call_command

    from kb.models import KbTenant
    from tests import factories

    call_command("flush", interactive=False, verbosity=0)  # what transactional tests leave
    org = factories.organization("flushed")
    assert KbTenant.objects.get(organization=org).root.get_parent() is not None
