"""django-q2 entry points (dotted paths are stored in queued rows: keep them stable)."""

from __future__ import annotations

from workflows.attachments import scanning


def scan_attachment(attachment_id: int) -> str:
    return scanning.scan(attachment_id)


def purge_objects(organization_id: int, items: list[tuple[int, str]]) -> int:
    return scanning.purge(organization_id, [(int(i), str(k)) for i, k in items])


def attachments_sweep() -> dict[str, int]:
    return scanning.sweep()
