"""Routes of the notifications API (in-app feed, preferences, templates)."""

from django.urls import URLPattern, path

from ruledesk.notifications.api import views

urlpatterns: list[URLPattern] = [
    path("notifications", views.NotificationListApi.as_view(), name="notification-list"),
    path(
        "notifications/read-all",
        views.NotificationReadAllApi.as_view(),
        name="notification-read-all",
    ),
    path(
        "notifications/<int:pk>/read",
        views.NotificationReadApi.as_view(),
        name="notification-read",
    ),
    path(
        "notification-preferences",
        views.NotificationPreferencesApi.as_view(),
        name="notification-preferences",
    ),
    path(
        "notification-templates",
        views.TemplateListApi.as_view(),
        name="notification-template-list",
    ),
    path(
        "notification-templates/<int:pk>",
        views.TemplateDetailApi.as_view(),
        name="notification-template-detail",
    ),
]
