"""Retention: whenever an attachment row goes (itself, its comment, its ticket, its
organization), its stored object is deleted by the worker, audited there."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from workflows.attachments.models import Attachment
from workflows.attachments.scanning import enqueue_purge


@receiver(post_delete, sender=Attachment, dispatch_uid="attachments-purge-object")
def purge_object(sender: Any, instance: Attachment, **kwargs: Any) -> None:
    organization_id, item = instance.organization_id, (instance.pk, instance.key)
    # Enqueued in the deleting transaction (the ORM broker is this database): it commits
    # or rolls back with the deletion.
    if transaction.get_connection().in_atomic_block:
        enqueue_purge(organization_id, [item])
    else:
        transaction.on_commit(lambda: enqueue_purge(organization_id, [item]))
