"""Idempotency-Key for every POST: replay the first answer, refuse a different body.

Keys are scoped per user and kept 24 hours. A key is claimed by inserting its
row before the work runs, so two concurrent requests with the same key cannot
both create something: the second sees the claim and gets 409.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk import errors
from ruledesk.api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyConflict(errors.ApplicationError):
    status, code = 422, "idempotency_conflict"
    title = gettext_lazy("Idempotency key reused")


class InProgress(errors.Conflict):
    title = gettext_lazy("A request with this idempotency key is still in progress")


class Replay(Exception):  # noqa: N818 - a control-flow signal, not an error
    def __init__(self, response: Response) -> None:
        super().__init__("idempotent replay")
        self.response = response


def _body_hash(request: Request) -> str:
    try:
        raw = request._request.body  # noqa: SLF001 - the bytes as sent
    except RawPostDataException:
        raw = json.dumps(request.data, sort_keys=True, default=str).encode()
    return hashlib.sha256(
        (request.method or "").encode() + b" " + request.path.encode() + b"\n" + raw
    ).hexdigest()


def begin(request: Request) -> IdempotencyRecord | None:
    """Claim the key, or raise Replay / IdempotencyConflict / InProgress."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None or not request.user.is_authenticated:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise errors.ValidationFailed.on(
            HEADER,
            _("Must be 1 to %(max)s printable characters.") % {"max": MAX_KEY_LENGTH},
            "invalid",
        )
    body_hash = _body_hash(request)
    IdempotencyRecord.objects.filter(
        user=request.user, key=key, created_at__lt=timezone.now() - TTL
    ).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path[:512],
                body_hash=body_hash,
            )
    except IntegrityError:
        pass
    existing = IdempotencyRecord.objects.get(user=request.user, key=key)
    if existing.body_hash != body_hash:
        raise IdempotencyConflict(_("This key was used with a different request body."))
    if existing.status_code is None:
        raise InProgress(_("The first request with this key has not finished yet."))
    raise Replay(_replayed(existing))


def _replayed(record: IdempotencyRecord) -> Response:
    body: Any = json.loads(bytes(record.response_body or b"null")) if record.response_body else None
    response = Response(body, status=record.status_code, content_type=record.content_type or None)
    response["Idempotent-Replayed"] = "true"
    return response


def finish(record: IdempotencyRecord, response: Response) -> None:
    """Store the answer; a server error releases the key so the client may retry."""
    if response.status_code >= 500:
        record.delete()
        return
    response.render()
    record.status_code = response.status_code
    record.response_body = response.content
    record.content_type = response.get("Content-Type", "")
    record.save(update_fields=["status_code", "response_body", "content_type"])
