"""Persona-table rows for the knowledge base: its API and Wagtail's admin at /cms/.

/cms/ is one opaque route (Wagtail's many patterns); its rows probe the screens where
Wagtail is not tenant-aware by itself: the page chooser, the global reports and
screens, the explorer, and image and document files. acme's editors are its admin
and agent (`kb.edit`); the outsider is globex's admin, an editor of globex only.
tests/kb/test_wagtail_isolation.py holds the detailed leak checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from kb.models import ArticlePage, KbTenant
from kb.services import articles

if TYPE_CHECKING:
    from tests.security.test_url_personas import Request, Row, World


def _article(visibility: str) -> Request:
    def build(world: World, persona: str) -> tuple[str, Any]:
        article = articles.article_create(
            world.acme,
            title=f"KB {visibility} {persona}",
            summary="s",
            body="<p>b</p>",
            visibility=visibility,
        )
        return f"/api/v1/kb/articles/{article.pk}", None

    return build


def _acme_root(path: str) -> Request:
    def build(world: World, persona: str) -> tuple[str, Any]:
        root_id = KbTenant.objects.get(organization=world.acme).root_id
        return path.format(root=root_id), None

    return build


def _acme_image(world: World, persona: str) -> tuple[str, Any]:
    image = get_image_model().objects.create(
        title="acme image",
        file=get_test_image_file(filename=f"acme-{persona}.png"),
        collection=KbTenant.objects.get(organization=world.acme).collection,
    )
    return f"/cms/media/{image.file.name}", None


def _acme_document(world: World, persona: str) -> tuple[str, Any]:
    document = get_document_model().objects.create(
        title="acme document",
        file=SimpleUploadedFile(f"acme-{persona}.pdf", b"%PDF-1.4 test"),
        collection=KbTenant.objects.get(organization=world.acme).collection,
    )
    return f"/cms/kb-documents/{document.pk}/{document.filename}", None


def only_visible_articles(world: World, persona: str, response: Any) -> None:
    caller = world.personas[persona]
    assert caller is not None
    ids = {item["id"] for item in response.json()["results"]}
    own = ArticlePage.objects.live().filter(organization_id=caller.organization_id)
    if persona == "requester":
        own = own.filter(visibility="public")
    assert ids == set(own.values_list("pk", flat=True))


def rows(row: type[Row], expect: Any, at: Any) -> tuple[Row, ...]:
    members = expect(admin=200, agent=200, requester=200, outsider=200, anonymous=401)
    acme_article = expect(admin=200, agent=200, requester=200, outsider=404, anonymous=401)
    acme_internal = expect(admin=200, agent=200, requester=404, outsider=404, anonymous=401)
    editors = expect(admin=200, agent=200, requester=403, outsider=200, anonymous=302)
    acme_editors = expect(admin=200, agent=200, requester=403, outsider=404, anonymous=302)
    operators = expect(admin=404, agent=404, requester=404, outsider=404, anonymous=302)
    acme_files = expect(admin=200, agent=200, requester=200, outsider=404, anonymous=302)
    return (
        row(
            "api/v1/kb/articles",
            "GET",
            at("/api/v1/kb/articles"),
            members,
            verify=only_visible_articles,
        ),
        row("api/v1/kb/articles", "GET", at("/api/v1/kb/articles?q=twin"), members),
        row("api/v1/kb/articles/<int:pk>", "GET", _article("public"), acme_article),
        row("api/v1/kb/articles/<int:pk>", "GET", _article("internal"), acme_internal),
        row("api/v1/kb/suggestions", "GET", at("/api/v1/kb/suggestions?title=twin"), members),
        row("cms/", "GET", at("/cms/"), editors),
        row("cms/", "GET", at("/cms/choose-page/search/?q=twin"), editors),
        row("cms/", "GET", _acme_root("/cms/choose-page/{root}/"), acme_editors),
        row("cms/", "GET", at("/cms/images/"), editors),
        row("cms/", "GET", at("/cms/documents/"), editors),
        row("cms/", "GET", at("/cms/reports/page-types-usage/"), operators),
        row("cms/", "GET", at("/cms/reports/site-history/"), operators),
        row("cms/", "GET", at("/cms/users/"), operators),
        row("cms/", "GET", at("/cms/groups/"), operators),
        row("cms/", "GET", at("/cms/sites/"), operators),
        row("cms/", "GET", at("/cms/workflows/list/"), operators),
        row("cms/", "GET", _acme_image, acme_files),
        row("cms/", "GET", _acme_document, acme_files),
    )
