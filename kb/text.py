"""Plain text out of stored rich text, for search and summaries."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|ol|ul|div|br)\s*>|<br\s*/?>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def html_to_text(value: str) -> str:
    """Text of an HTML fragment: tags dropped, blocks separated, entities decoded."""
    spaced = _BLOCK_END.sub(" ", value)
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", spaced))).strip()
