"""Writing knowledge-base pages outside the admin (seed data, imports, tests).

Editors write in Wagtail's admin; this is the same tree API Wagtail uses (a page,
a revision, a publish), so revisions and the audit trail look the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from wagtail.models import Page

from kb.models import ArticlePage, KbTenant, SectionPage, Visibility
from ruledesk.tenancy.models import Organization
from workflows.models import Category


def _parent(organization: Organization, section: SectionPage | None) -> Page:
    if section is not None:
        if section.organization_id != organization.pk:
            raise ValueError("section of another organization")
        return section
    return KbTenant.objects.select_related("root").get(organization=organization).root


def _publish(page: Page, user: Any, publish: bool) -> None:
    revision = page.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)


def section_create(
    organization: Organization,
    *,
    title: str,
    summary: str = "",
    parent: SectionPage | None = None,
    user: Any = None,
) -> SectionPage:
    with transaction.atomic():
        section = SectionPage(title=title, summary=summary, organization=organization)
        _parent(organization, parent).add_child(instance=section)
        _publish(section, user, True)
    return section


def article_create(
    organization: Organization,
    *,
    title: str,
    summary: str,
    body: str,
    language: str = "en",
    visibility: str = Visibility.PUBLIC,
    section: SectionPage | None = None,
    categories: Iterable[Category] = (),
    translation_of: ArticlePage | None = None,
    publish: bool = True,
    user: Any = None,
) -> ArticlePage:
    """Create an article (published unless `publish=False`: then a draft)."""
    chosen = list(categories)
    if any(category.organization_id != organization.pk for category in chosen):
        raise ValueError("category of another organization")
    with transaction.atomic():
        article = ArticlePage(
            title=title,
            summary=summary,
            body=body,
            language=language,
            visibility=visibility,
            organization=organization,
            translation_of=translation_of,
            live=publish,
        )
        article.categories.set(chosen)
        _parent(organization, section).add_child(instance=article)
        _publish(article, user, publish)
    return article
