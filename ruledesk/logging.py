"""Log formatting: JSON in production, readable text in development, context on every line."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

from ruledesk import context

_STANDARD = set(vars(logging.makeLogRecord({})))


class ContextFilter(logging.Filter):
    """Stamp every record with the request id and user id of the current request.

    Django logs a request's outcome (`django.request`) after our middleware has
    left, so for records that carry the request the ids are read from it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        current = context.current()
        request_id, user_id = current.request_id, current.user_id
        request = getattr(record, "request", None)
        if not request_id and isinstance(request, HttpRequest):
            request_id = getattr(request, "request_id", "")
            user_id = _loaded_user_id(request)
        record.request_id = request_id or "-"
        record.user_id = user_id if user_id is not None else "-"
        return True


def _loaded_user_id(request: HttpRequest) -> int | None:
    """The request's user id if the user is already loaded; logging never queries for it."""
    user = vars(request).get("user")
    if user is None or (isinstance(user, LazyObject) and user._wrapped is empty):
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "user_id": getattr(record, "user_id", "-"),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = (
                    value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
                )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
