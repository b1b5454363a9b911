"""ETag / If-Match: optimistic concurrency for PATCH (412 on a stale version)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk import errors
from ruledesk.versioning import etag_for, is_current

__all__ = ["check_if_match", "etag_for", "with_etag"]


def with_etag(response: Response, obj: models.Model) -> Response:
    response["ETag"] = etag_for(obj)
    return response


def check_if_match(request: Request, obj: models.Model) -> None:
    """Without If-Match the write proceeds; with a stale one it answers 412."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    if not is_current(obj, header):
        raise errors.PreconditionFailed(
            _("The resource changed since you read it; fetch it again.")
        )
