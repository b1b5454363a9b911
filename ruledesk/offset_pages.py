"""Pages over a short list built in Python (a ticket's history), with keyset's tokens.

The list only grows at its end, so an offset keeps `next` stable; the cursor is
signed and names its list, like the keyset cursors in `ruledesk.keyset`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ruledesk.keyset import Page, decode_token, encode_token, invalid_cursor

MAX_OFFSET = 10**9


def offset_page(items: Sequence[Any], *, tag: str, cursor: str | None, size: int) -> Page:
    """Pages over a short list that only grows at its end (so `next` stays stable).

    The signed cursor holds an offset and `tag`, which names the list: a cursor of
    another list is refused.
    """
    start = _offset(cursor, tag)

    def token(offset: int) -> str:
        return encode_token({"o": tag, "n": offset})

    return Page(
        rows=list(items[start : start + size]),
        next=token(start + size) if start + size < len(items) else None,
        previous=token(max(0, start - size)) if start > 0 else None,
    )


def _offset(raw: str | None, tag: str) -> int:
    if raw is None:
        return 0
    payload = decode_token(raw)
    value = payload.get("n")
    if (
        set(payload) != {"o", "n"}
        or payload["o"] != tag
        or isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_OFFSET
    ):
        raise invalid_cursor()
    return value
