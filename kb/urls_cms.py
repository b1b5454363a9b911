"""/cms/: Wagtail's admin behind kb's guards. Wagtail's front end and APIs stay unmounted."""

from __future__ import annotations

from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from kb.views import cms

urlpatterns = [
    path("media/<path:name>", cms.media, name="kb_media"),
    path("kb-documents/", include(wagtaildocs_urls)),
    path("choose-page/", cms.choose_page, name="kb_choose_page"),
    path("choose-page/<int:parent_page_id>/", cms.choose_page, name="kb_choose_page_child"),
    path("", include(wagtailadmin_urls)),
]
