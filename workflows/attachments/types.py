"""Which types may be attached, how big, and what the bytes really are (libmagic)."""

from __future__ import annotations

from django.conf import settings

from workflows.attachments.models import AttachmentLimit

MB = 1024 * 1024
# Detected (libmagic) type → default size limit in bytes. Anything else is refused.
# Never here: text/html, image/svg+xml, scripts, executables.
ALLOWED: dict[str, int] = {
    "image/png": 10 * MB,
    "image/jpeg": 10 * MB,
    "image/gif": 10 * MB,
    "image/webp": 10 * MB,
    "application/pdf": 20 * MB,
    "text/plain": 5 * MB,
    "text/csv": 5 * MB,
    "application/json": 5 * MB,
    "application/zip": 20 * MB,
    "application/gzip": 20 * MB,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 20 * MB,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 20 * MB,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 20 * MB,
    "application/vnd.oasis.opendocument.text": 20 * MB,
    "application/vnd.oasis.opendocument.spreadsheet": 20 * MB,
}
# Served inline (shown in the browser) only these: raster images libmagic recognised.
INLINE_SAFE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# How many leading bytes the detector reads.
SNIFF_BYTES = 64 * 1024


def hard_limit() -> int:
    """No upload is ever larger (keep it ≤ clamd's StreamMaxLength)."""
    return int(settings.RULEDESK_ATTACHMENT_MAX_BYTES)


def limit_for(organization_id: int, content_type: str) -> int | None:
    """The size limit for a type in an organization, or None when the type is not allowed."""
    default = ALLOWED.get(content_type)
    if default is None:
        return None
    own = (
        AttachmentLimit.objects.filter(organization_id=organization_id, content_type=content_type)
        .values_list("max_bytes", flat=True)
        .first()
    )
    return min(own if own is not None else default, hard_limit())


def limits_for(organization_id: int) -> dict[str, int]:
    """Every allowed type with its limit, for forms that state the limits before upload."""
    own = dict(
        AttachmentLimit.objects.filter(organization_id=organization_id).values_list(
            "content_type", "max_bytes"
        )
    )
    return {name: min(own.get(name, default), hard_limit()) for name, default in ALLOWED.items()}


def detect(head: bytes) -> str:
    """The MIME type libmagic reads in the first bytes (never the name, never the client)."""
    import magic

    if not head:
        return "application/x-empty"
    return str(magic.from_buffer(head[:SNIFF_BYTES], mime=True))


# Allowed types grouped the way people name them, for stating limits before an upload.
KINDS: dict[str, tuple[str, ...]] = {
    "images": ("image/png", "image/jpeg", "image/gif", "image/webp"),
    "pdf": ("application/pdf",),
    "text": ("text/plain", "text/csv", "application/json"),
    "documents": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    ),
    "archives": ("application/zip", "application/gzip"),
}


def kind_limits(organization_id: int) -> dict[str, int]:
    """The largest size per kind (bytes), for the upload form's help text."""
    limits = limits_for(organization_id)
    return {kind: max(limits[name] for name in names) for kind, names in KINDS.items()}


# The `accept` attribute of file inputs (a hint to the picker; the bytes decide).
ACCEPT = ",".join(
    [*ALLOWED, ".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".txt", ".log", ".csv"]
    + [".json", ".zip", ".gz", ".docx", ".xlsx", ".pptx", ".odt", ".ods"]
)
