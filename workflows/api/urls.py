from django.urls import path

from workflows.api import attachments, macros, saved_views, taxonomy, views

urlpatterns = [
    path("tickets", views.TicketListApi.as_view(), name="ticket-list"),
    path("tickets/bulk", views.TicketBulkApi.as_view(), name="ticket-bulk"),
    path("tickets/<int:pk>", views.TicketDetailApi.as_view(), name="ticket-detail"),
    path(
        "tickets/<int:pk>/transitions",
        views.TicketTransitionsApi.as_view(),
        name="ticket-transitions",
    ),
    path("tickets/<int:pk>/history", views.TicketHistoryApi.as_view(), name="ticket-history"),
    path("tickets/<int:pk>/comments", views.CommentListApi.as_view(), name="comment-list"),
    path(
        "tickets/<int:pk>/comments/<int:comment_id>",
        views.CommentDetailApi.as_view(),
        name="comment-detail",
    ),
    path(
        "tickets/<int:pk>/reopen-approvals",
        views.ReopenApprovalListApi.as_view(),
        name="reopen-approval-list",
    ),
    path(
        "tickets/<int:pk>/reopen-approvals/<int:approval_id>/approve",
        views.ReopenApprovalDecisionApi.as_view(decision="approve"),
        name="reopen-approval-approve",
    ),
    path(
        "tickets/<int:pk>/reopen-approvals/<int:approval_id>/reject",
        views.ReopenApprovalDecisionApi.as_view(decision="reject"),
        name="reopen-approval-reject",
    ),
]

urlpatterns += [
    path("categories", taxonomy.CategoryListApi.as_view(), name="category-list"),
    path("categories/<int:pk>", taxonomy.CategoryDetailApi.as_view(), name="category-detail"),
    path(
        "categories/<int:pk>/archive",
        taxonomy.CategoryArchiveApi.as_view(),
        name="category-archive",
    ),
    path("categories/<int:pk>/merge", taxonomy.CategoryMergeApi.as_view(), name="category-merge"),
    path("tags", taxonomy.TagListApi.as_view(), name="tag-list"),
    path("tags/<int:pk>", taxonomy.TagDetailApi.as_view(), name="tag-detail"),
    path("tags/<int:pk>/archive", taxonomy.TagArchiveApi.as_view(), name="tag-archive"),
    path("tags/<int:pk>/merge", taxonomy.TagMergeApi.as_view(), name="tag-merge"),
]

urlpatterns += [
    path("saved-views", saved_views.SavedViewListApi.as_view(), name="saved-view-list"),
    path(
        "saved-views/<int:pk>", saved_views.SavedViewDetailApi.as_view(), name="saved-view-detail"
    ),
]

urlpatterns += [
    path("macros", macros.MacroListApi.as_view(), name="macro-list"),
    path("macros/<int:pk>", macros.MacroDetailApi.as_view(), name="macro-detail"),
    path(
        "tickets/<int:pk>/macros/<int:macro_id>/preview",
        macros.MacroPreviewApi.as_view(),
        name="ticket-macro-preview",
    ),
    path(
        "tickets/<int:pk>/macros/<int:macro_id>/apply",
        macros.MacroApplyApi.as_view(),
        name="ticket-macro-apply",
    ),
]

urlpatterns += [
    path(
        "tickets/<int:pk>/attachments",
        attachments.TicketAttachmentsApi.as_view(),
        name="ticket-attachment-list",
    ),
    path(
        "attachments/<int:pk>", attachments.AttachmentDetailApi.as_view(), name="attachment-detail"
    ),
    path(
        "attachments/<int:pk>/complete",
        attachments.AttachmentCompleteApi.as_view(),
        name="attachment-complete",
    ),
    path(
        "attachments/<int:pk>/download",
        attachments.AttachmentDownloadApi.as_view(),
        name="attachment-download",
    ),
]
