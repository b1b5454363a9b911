from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ruledesk.ops import views as ops
from workflows.attachments import views as attachment_files

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics_view, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include("ruledesk.api.urls")),
    # The local storage backend's signed upload/download URLs (S3 presigns its own).
    path("files/upload", attachment_files.upload, name="attachment-file-upload"),
    path("files/download", attachment_files.download, name="attachment-file-download"),
    path("django-admin/", admin.site.urls),
    path("cms/", include("kb.urls_cms")),
    path("", include("portal.urls")),
]

handler400 = "ruledesk.api.errors.handler400"
handler403 = "ruledesk.api.errors.handler403"
handler404 = "ruledesk.api.errors.handler404"
handler500 = "ruledesk.api.errors.handler500"
