"""Desk routes for working many tickets: views, list, bulk, board, search, new ticket, dashboard."""

from __future__ import annotations

from django.urls import URLPattern, path

from portal.views.agent import bulk, queue, search, views_saved

urlpatterns: list[URLPattern] = [
    path("desk/", queue.ticket_list, name="desk-home"),
    path("desk/search", search.search, name="desk-search"),
    path("desk/pick/<str:kind>", search.picker, name="desk-pick"),
    path("desk/bulk", bulk.tickets_bulk, name="desk-bulk"),
    path("desk/views", views_saved.view_create, name="desk-view-create"),
    path("desk/views/<int:pk>/columns", views_saved.view_columns, name="desk-view-columns"),
    path("desk/views/<int:pk>/delete", views_saved.view_delete, name="desk-view-delete"),
]
