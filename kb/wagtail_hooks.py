"""Wagtail hooks that close its cross-organization views (see kb.middleware too)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from wagtail import hooks

from kb import cms_access


@hooks.register("construct_page_chooser_queryset")
def _chooser_pages(pages: Any, request: HttpRequest) -> Any:
    return cms_access.pages_of(request.user, pages)


@hooks.register("construct_image_chooser_queryset")
def _chooser_images(images: Any, request: HttpRequest) -> Any:
    return cms_access.collections_of(request.user, images)


@hooks.register("construct_document_chooser_queryset")
def _chooser_documents(documents: Any, request: HttpRequest) -> Any:
    return cms_access.collections_of(request.user, documents)


@hooks.register("construct_reports_menu")
def _reports_for_operators(request: HttpRequest, menu_items: list[Any]) -> None:
    # Page types usage counts every organization's pages and names their latest edit;
    # site history and the other reports list users of every organization in filters.
    if not request.user.is_superuser:
        menu_items.clear()


@hooks.register("before_serve_document")
def _documents_of_members(document: Any, request: HttpRequest) -> None:
    if not cms_access.collection_allowed(request.user, document.collection):
        raise Http404
