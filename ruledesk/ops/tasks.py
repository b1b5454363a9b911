"""Operational tasks for the worker."""

from __future__ import annotations

from django.utils import timezone


def heartbeat(note: str = "") -> str:
    """A no-op task whose result proves a worker is consuming the queue."""
    return f"alive at {timezone.now().isoformat()} {note}".strip()
