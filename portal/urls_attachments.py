from django.urls import path

from portal.views import attachments

urlpatterns = [
    path(
        "tickets/<int:ticket_id>/attachments",
        attachments.panel_list,
        name="attachments-list",
    ),
    path(
        "tickets/<int:ticket_id>/attachments/upload",
        attachments.upload,
        name="attachments-upload",
    ),
    path(
        "attachments/<int:attachment_id>/download", attachments.download, name="attachment-download"
    ),
]
