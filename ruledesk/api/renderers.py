"""JSON for every API response, with every timestamp in the one format of api.md.

`timestamp()` is the single formatter: ISO 8601 in UTC to the second
(`2026-11-25T10:00:00Z`). Presenters may hand datetimes over as they are: the
renderer's encoder formats each one with it, so no endpoint can emit another
shape (microseconds, offsets). Serializer `DateTimeField`s produce the same
string through `REST_FRAMEWORK["DATETIME_FORMAT"]`, which must equal
`TIMESTAMP_FORMAT` (a test holds them together).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rest_framework import renderers
from rest_framework.utils import encoders

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def timestamp(value: datetime | None) -> str | None:
    """An API timestamp: `2026-11-25T10:00:00Z` (UTC, whole seconds); None stays None."""
    if value is None:
        return None
    if value.tzinfo is None:  # Django stores aware datetimes; a naive one is UTC here.
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


class JSONEncoder(encoders.JSONEncoder):
    def default(self, obj: Any) -> Any:
        if isinstance(obj, datetime):
            return timestamp(obj)
        return super().default(obj)


class JSONRenderer(renderers.JSONRenderer):
    encoder_class = JSONEncoder
