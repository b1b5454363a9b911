"""Knowledge-base fixtures: each demo-like organization with a few pages and files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from kb.models import ArticlePage, KbTenant, SectionPage
from kb.services import articles
from ruledesk.tenancy.models import Organization


@dataclass
class Corner:
    """One organization's knowledge base, with marked titles to look for in answers."""

    tenant: KbTenant
    section: SectionPage
    article: ArticlePage
    draft: ArticlePage
    image: Any
    document: Any


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def corner(org: Organization) -> Corner:
    mark = org.slug.upper()
    tenant = KbTenant.objects.get(organization=org)
    section = articles.section_create(org, title=f"{mark}-SECTION-TITLE")
    article = articles.article_create(
        org,
        title=f"{mark}-ARTICLE-TITLE",
        summary="Summary",
        body="<p>Body</p>",
        section=section,
    )
    draft = articles.article_create(
        org, title=f"{mark}-DRAFT-TITLE", summary="Draft", body="<p>Draft</p>", publish=False
    )
    image = get_image_model().objects.create(
        title=f"{mark}-IMAGE-TITLE",
        file=get_test_image_file(filename=f"{org.slug}.png"),
        collection=tenant.collection,
    )
    document = get_document_model().objects.create(
        title=f"{mark}-DOCUMENT-TITLE",
        file=SimpleUploadedFile(f"{org.slug}-guide.pdf", b"%PDF-1.4 test"),
        collection=tenant.collection,
    )
    return Corner(tenant, section, article, draft, image, document)


@pytest.fixture
def acme_kb(acme: Organization) -> Corner:
    return corner(acme)


@pytest.fixture
def globex_kb(globex: Organization) -> Corner:
    return corner(globex)
