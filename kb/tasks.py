"""django-q2 entry points of the knowledge base."""

from __future__ import annotations

from django.core.management import call_command


def publish_scheduled() -> None:
    """Publish pages whose go-live time has come and unpublish expired ones (Wagtail's job)."""
    call_command("publish_scheduled", verbosity=0)
