"""Desk routes for working one ticket: detail, properties, composer, macros, presence."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
