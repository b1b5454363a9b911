"""ETag / If-Match: optimistic concurrency for PATCH (412 on a stale version)."""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk import errors


def etag_for(obj: models.Model) -> str:
    """A strong validator derived from the row's identity and last change time."""
    stamp = getattr(obj, "updated_at", None)
    raw = f"{obj._meta.label}:{obj.pk}:{stamp.isoformat() if stamp else ''}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def with_etag(response: Response, obj: models.Model) -> Response:
    response["ETag"] = etag_for(obj)
    return response


def check_if_match(request: Request, obj: models.Model) -> None:
    """Without If-Match the write proceeds; with a stale one it answers 412."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    current = etag_for(obj)
    offered = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" not in offered and current not in offered:
        raise errors.PreconditionFailed(
            _("The resource changed since you read it; fetch it again.")
        )
