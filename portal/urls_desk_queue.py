"""Desk routes for working many tickets: views, list, bulk, board, search, new ticket, dashboard."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
