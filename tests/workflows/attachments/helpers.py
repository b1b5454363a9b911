"""Small helpers shared by the attachment tests."""

from __future__ import annotations

import hashlib
import importlib
import io
import struct
import zlib
from typing import Any

from django_q.models import OrmQ
from django_q.signing import SignedPackage
from rest_framework.test import APIClient


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def png(width: int = 2, height: int = 2) -> bytes:
    """A real (tiny) PNG, so libmagic sees image/png."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack("!I", len(body)) + kind + body + struct.pack("!I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\0" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack("!IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


TEXT = b"2026-12-08 00:00:01 ERROR printer spooler crashed\n" * 20
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n"


def start(client: APIClient, ticket_id: int, data: bytes, **overrides: Any) -> Any:
    body = {
        "filename": "log.txt",
        "content_type": "text/plain",
        "size": len(data),
        "sha256": sha(data),
        **overrides,
    }
    return client.post(f"/api/v1/tickets/{ticket_id}/attachments", body, format="json")


def multipart(client: APIClient, ticket_id: int, data: bytes, name: str, **fields: str) -> Any:
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(
        f"/api/v1/tickets/{ticket_id}/attachments", {"file": upload, **fields}, format="multipart"
    )


def run_queued(func_suffix: str = "") -> list[Any]:
    """Run the queued django-q2 tasks (ours) here, synchronously, and drop them: what the
    worker would do. Tests with the real worker are in test_worker.py."""
    results = []
    for row in OrmQ.objects.order_by("id"):
        task = SignedPackage.loads(row.payload)
        row.delete()
        if not task["func"].startswith("workflows.attachments.") or not task["func"].endswith(
            func_suffix
        ):
            continue
        module, _, name = task["func"].rpartition(".")
        results.append(getattr(importlib.import_module(module), name)(*task["args"]))
    return results
