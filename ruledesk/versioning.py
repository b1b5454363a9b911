"""A row's version as the API's ETag and the portal's hidden `version` field both give it.

One derivation, so a form opened in the browser and a PATCH with If-Match refuse the
same stale writes: the version is the row's identity and its last change time.
"""

from __future__ import annotations

import hashlib

from django.db import models


def etag_for(obj: models.Model) -> str:
    """A strong validator derived from the row's identity and last change time."""
    stamp = getattr(obj, "updated_at", None)
    raw = f"{obj._meta.label}:{obj.pk}:{stamp.isoformat() if stamp else ''}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def is_current(obj: models.Model, offered: str | None) -> bool:
    """Does `offered` (one tag, or a comma-separated If-Match list, or `*`) name `obj` now?"""
    if offered is None:
        return True
    tags = {tag.strip().removeprefix("W/") for tag in offered.split(",")}
    return "*" in tags or etag_for(obj) in tags
