"""Desk routes for working one ticket: detail, properties, composer, macros, presence."""

from __future__ import annotations

from django.urls import URLPattern, path

from portal.views.agent import composer, macros, presence, ticket

T = "desk/tickets/<str:number>"

urlpatterns: list[URLPattern] = [
    path(T, ticket.detail, name="desk-ticket"),
    path(f"{T}/title", ticket.title, name="desk-ticket-title"),
    path(f"{T}/transition", ticket.transition, name="desk-ticket-transition"),
    path(f"{T}/properties", ticket.properties, name="desk-ticket-properties"),
    path(f"{T}/pick/<str:kind>", ticket.pick, name="desk-ticket-pick"),
    path(f"{T}/approvals/<int:pk>", ticket.approval, name="desk-ticket-approval"),
    path(f"{T}/comments", composer.comment, name="desk-ticket-comment"),
    path(f"{T}/preview", composer.preview, name="desk-ticket-preview"),
    path(f"{T}/mentions", composer.mentions, name="desk-ticket-mentions"),
    path(f"{T}/macros/<int:macro_id>", macros.macro, name="desk-ticket-macro"),
    path(f"{T}/presence", presence.heartbeat, name="desk-ticket-presence"),
]
