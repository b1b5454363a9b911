"""Which knowledge-base pages and files a signed-in person may reach in /cms/."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from wagtail.models import Collection, Page

from kb.models import KbTenant


def tenant_of(user: Any) -> KbTenant | None:
    org_id = getattr(user, "organization_id", None)
    if org_id is None:
        return None
    return (
        KbTenant.objects.select_related("root", "collection").filter(organization_id=org_id).first()
    )


def pages_of(user: Any, pages: QuerySet[Page]) -> QuerySet[Page]:
    """`pages` limited to the user's organization's tree (operators: all)."""
    if getattr(user, "is_superuser", False):
        return pages
    tenant = tenant_of(user)
    if tenant is None:
        return pages.none()
    return pages.filter(path__startswith=tenant.root.path)


def page_allowed(user: Any, page_id: int) -> bool:
    return pages_of(user, Page.objects.filter(pk=page_id)).exists()


def collection_allowed(user: Any, collection: Collection) -> bool:
    """Files of a collection are for members of the organization that owns it."""
    if getattr(user, "is_superuser", False):
        return True
    tenant = tenant_of(user)
    if tenant is None or not getattr(user, "is_active", False):
        return False
    return bool(collection.path.startswith(tenant.collection.path))


def collections_of(user: Any, items: QuerySet[Any]) -> QuerySet[Any]:
    """Images or documents limited to the user's organization's collection (operators: all)."""
    if getattr(user, "is_superuser", False):
        return items
    tenant = tenant_of(user)
    if tenant is None:
        return items.none()
    return items.filter(collection__path__startswith=tenant.collection.path)
