"""Views in front of Wagtail's admin: the page chooser confined to the editor's tree,
and image and document files served to members of the owning organization only."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views import chooser
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page

from kb import cms_access

_browse = chooser.BrowseView.as_view()


@require_admin_access
def choose_page(request: HttpRequest, parent_page_id: int | None = None) -> HttpResponse:
    """Wagtail's chooser, started at (and kept inside) the editor's own root page."""
    user = request.user
    if not user.is_superuser:
        tenant = cms_access.tenant_of(user)
        if tenant is None:
            raise Http404
        if parent_page_id is None or parent_page_id == Page.get_first_root_node().pk:
            parent_page_id = tenant.root_id
        elif not cms_access.page_allowed(user, parent_page_id):
            raise Http404
    response: HttpResponse = _browse(request, parent_page_id=parent_page_id)
    return response


def _collection_of(name: str) -> Collection | None:
    image_model: Any = get_image_model()
    image = image_model.objects.filter(file=name).select_related("collection").first()
    if image is not None:
        return image.collection
    rendition = (
        image_model.get_rendition_model()
        .objects.filter(file=name)
        .select_related("image__collection")
        .first()
    )
    if rendition is not None:
        return rendition.image.collection
    document = get_document_model().objects.filter(file=name).select_related("collection")
    found = document.first()
    return found.collection if found is not None else None


@require_GET
def media(request: HttpRequest, name: str) -> HttpResponseBase:
    """A stored image, rendition or document, for members of its organization."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), "portal:login")
    collection = _collection_of(name)
    if collection is None or not cms_access.collection_allowed(request.user, collection):
        raise Http404
    try:
        handle = default_storage.open(name)
    except (FileNotFoundError, OSError):
        raise Http404 from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    is_image = content_type.startswith("image/")
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=not is_image,
        filename=name.rsplit("/", 1)[-1],
    )
    response["Cache-Control"] = "private, max-age=300"
    return response
