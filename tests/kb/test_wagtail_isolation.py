"""Wagtail's admin at /cms/ as personas of two organizations: nothing of one reaches the other.

Wagtail is not multi-tenant (kb.middleware, kb.wagtail_hooks): each test signs in an
editor of globex (its admin, whose role holds `kb.edit`) and looks for acme's marked
page titles, images, documents and reports, and the reverse where it matters.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kb.middleware import CMS_CSP
from ruledesk.api.middleware import CSP
from ruledesk.tenancy.models import Role, User
from tests import factories
from tests.kb.conftest import Corner

pytestmark = pytest.mark.django_db

ACME_MARKS = ("ACME-SECTION-TITLE", "ACME-ARTICLE-TITLE", "ACME-DRAFT-TITLE")
ACME_FILES = ("ACME-IMAGE-TITLE", "ACME-DOCUMENT-TITLE")


def signed_in(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return str(response.content.decode("utf-8", "replace"))


def assert_no_acme(response: Any) -> None:
    body = text(response)
    for mark in (*ACME_MARKS, *ACME_FILES):
        assert mark not in body, f"{mark} leaked"


@pytest.fixture
def kbs(acme_kb: Corner, globex_kb: Corner) -> tuple[Corner, Corner]:
    return acme_kb, globex_kb


def test_editors_reach_the_admin_and_requesters_do_not(
    kbs: tuple[Corner, Corner], agent: User, requester: User
) -> None:
    assert signed_in(agent).get("/cms/").status_code == 200
    assert signed_in(requester).get("/cms/").status_code == 403
    anonymous = signed_in(None).get("/cms/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login")


def test_wagtails_own_sign_in_is_replaced_by_ruledesks(kbs: tuple[Corner, Corner]) -> None:
    response = signed_in(None).get("/cms/login/?next=/cms/pages/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=/cms/pages/")


def test_the_explorer_and_its_search_show_only_the_own_tree(
    kbs: tuple[Corner, Corner], outsider: User
) -> None:
    acme, globex = kbs
    client = signed_in(outsider)
    own = client.get(f"/cms/pages/{globex.tenant.root_id}/")
    assert own.status_code == 200 and "GLOBEX-SECTION-TITLE" in text(own)
    assert_no_acme(own)
    foreign = client.get(f"/cms/pages/{acme.tenant.root_id}/")
    assert foreign.status_code in (302, 403, 404)
    assert_no_acme(foreign)
    search = client.get("/cms/pages/search/", {"q": "TITLE"})
    assert search.status_code == 200 and "GLOBEX-ARTICLE-TITLE" in text(search)
    assert_no_acme(search)
    root = client.get("/cms/pages/")
    assert_no_acme(root)
    assert_no_acme(client.get("/cms/api/main/pages/", {"for_explorer": "1"}))
    assert_no_acme(client.get("/cms/"))


def test_another_organizations_page_cannot_be_edited_or_previewed(
    kbs: tuple[Corner, Corner], outsider: User
) -> None:
    acme, _ = kbs
    client = signed_in(outsider)
    for path in (
        f"/cms/pages/{acme.article.pk}/edit/",
        f"/cms/pages/{acme.draft.pk}/edit/preview/",
        f"/cms/pages/{acme.article.pk}/history/",
        f"/cms/pages/{acme.article.pk}/revisions/",
    ):
        response = client.get(path)
        assert response.status_code in (302, 403, 404), path
        assert_no_acme(response)


def test_the_page_chooser_and_its_search_stay_in_the_own_tree(
    kbs: tuple[Corner, Corner], outsider: User
) -> None:
    acme, globex = kbs
    client = signed_in(outsider)
    start = client.get("/cms/choose-page/")
    assert start.status_code == 200 and "GLOBEX-SECTION-TITLE" in text(start)
    assert_no_acme(start)
    # Chooser for articles only: Wagtail would start at the common ancestor of all articles.
    typed = client.get("/cms/choose-page/", {"page_type": "kb.articlepage"})
    assert typed.status_code == 200
    assert_no_acme(typed)
    assert client.get(f"/cms/choose-page/{acme.section.pk}/").status_code == 404
    assert client.get(f"/cms/choose-page/{acme.tenant.root_id}/").status_code == 404
    own_section = client.get(f"/cms/choose-page/{globex.section.pk}/")
    assert own_section.status_code == 200 and "GLOBEX-ARTICLE-TITLE" in text(own_section)
    search = client.get("/cms/choose-page/search/", {"q": "TITLE"})
    assert search.status_code == 200 and "GLOBEX-ARTICLE-TITLE" in text(search)
    assert_no_acme(search)


@pytest.mark.parametrize(
    "path",
    [
        "/cms/reports/page-types-usage/",
        "/cms/reports/page-types-usage/results/",
        "/cms/reports/site-history/",
        "/cms/reports/aging-pages/",
        "/cms/reports/locked/",
        "/cms/reports/workflow/",
        "/cms/sites/",
        "/cms/users/",
        "/cms/groups/",
        "/cms/workflows/list/",
        "/cms/collections/",
        "/cms/snippets/",
    ],
)
def test_global_screens_are_for_platform_operators_only(
    kbs: tuple[Corner, Corner], outsider: User, path: str
) -> None:
    response = signed_in(outsider).get(path)
    assert response.status_code == 404
    assert_no_acme(response)
    operator = User.objects.create_superuser("operator@ruledesk.test", factories.PASSWORD)
    assert signed_in(operator).get(path).status_code in (200, 302)


def test_the_reports_menu_is_empty_for_editors(kbs: tuple[Corner, Corner], outsider: User) -> None:
    body = text(signed_in(outsider).get("/cms/"))
    assert "/cms/reports/" not in body


def test_images_and_documents_listings_and_choosers_show_only_the_own_collection(
    kbs: tuple[Corner, Corner], outsider: User
) -> None:
    client = signed_in(outsider)
    for path in (
        "/cms/images/",
        "/cms/documents/",
        "/cms/images/chooser/",
        "/cms/documents/chooser/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_no_acme(response)
    assert "GLOBEX-IMAGE-TITLE" in text(client.get("/cms/images/"))
    assert "GLOBEX-DOCUMENT-TITLE" in text(client.get("/cms/documents/"))


def test_image_and_document_files_are_served_to_members_of_their_organization_only(
    kbs: tuple[Corner, Corner], outsider: User, requester: User
) -> None:
    acme, _ = kbs
    image_path = f"/cms/media/{acme.image.file.name}"
    document_path = f"/cms/media/{acme.document.file.name}"
    serve_path = f"/cms/kb-documents/{acme.document.pk}/{acme.document.filename}"
    for path in (image_path, document_path, serve_path):
        assert signed_in(outsider).get(path).status_code == 404, path
        assert signed_in(requester).get(path).status_code == 200, path
        assert signed_in(None).get(path).status_code == 302, path
    rendition = acme.image.get_rendition("fill-10x10")
    assert signed_in(outsider).get(f"/cms/media/{rendition.file.name}").status_code == 404
    assert signed_in(requester).get(f"/cms/media/{rendition.file.name}").status_code == 200
    assert signed_in(requester).get("/cms/media/original_images/nothing.png").status_code == 404


def test_image_edit_of_another_organization_is_refused(
    kbs: tuple[Corner, Corner], outsider: User
) -> None:
    acme, _ = kbs
    client = signed_in(outsider)
    for path in (f"/cms/images/{acme.image.pk}/", f"/cms/documents/edit/{acme.document.pk}/"):
        response = client.get(path)
        assert response.status_code in (302, 403, 404), path
        assert_no_acme(response)


def test_cms_has_its_own_csp_and_the_portal_keeps_the_strict_one(
    kbs: tuple[Corner, Corner], agent: User
) -> None:
    client = signed_in(agent)
    cms = client.get("/cms/")
    assert cms["Content-Security-Policy"] == CMS_CSP
    assert cms["X-Frame-Options"] == "SAMEORIGIN"
    portal = client.get("/notifications")
    assert portal["Content-Security-Policy"] == CSP
    assert "unsafe-inline" not in portal["Content-Security-Policy"]


def test_editors_group_follows_roles_and_the_matrix(
    kbs: tuple[Corner, Corner], admin: User
) -> None:
    from ruledesk.access import services as access
    from ruledesk.tenancy import services as tenancy

    acme, _ = kbs
    group = acme.tenant.editors
    agent = factories.user(acme.tenant.organization, Role.AGENT)
    requester = factories.user(acme.tenant.organization, Role.REQUESTER)
    members = set(group.user_set.values_list("pk", flat=True))
    assert {admin.pk, agent.pk} <= members and requester.pk not in members
    tenancy.user_update(actor=admin, user=agent, role=Role.REQUESTER)
    assert not group.user_set.filter(pk=agent.pk).exists()
    tenancy.user_update(actor=admin, user=requester, role=Role.AGENT)
    assert group.user_set.filter(pk=requester.pk).exists()
    access.matrix_update(actor=admin, grants={"kb.edit": {"agent": False}})
    assert set(group.user_set.values_list("pk", flat=True)) == {admin.pk}
    access.matrix_update(actor=admin, grants={"kb.edit": {"requester": True}})
    assert agent.pk in set(group.user_set.values_list("pk", flat=True))
    tenancy.user_delete(actor=admin, user=agent)
    assert not group.user_set.filter(pk=agent.pk).exists()
