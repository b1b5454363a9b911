"""Plain text out of stored rich text, for search and summaries."""

from __future__ import annotations

import html
import re

import nh3

_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|ol|ul|div|br)\s*>|<br\s*/?>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def html_to_text(value: str) -> str:
    """Text of an HTML fragment: tags dropped, blocks separated, entities decoded."""
    spaced = _BLOCK_END.sub(" ", value)
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", spaced))).strip()


_CLEANER = nh3.Cleaner(
    tags={"h2", "h3", "h4", "p", "br", "b", "strong", "i", "em", "ol", "ul", "li", "a", "img"},
    clean_content_tags={"script", "style"},
    attributes={"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}},
    strip_comments=True,
    link_rel="noopener noreferrer",
    url_schemes={"http", "https", "mailto"},
    url_relative="pass_through",
)


def rich_text_html(stored: str) -> str:
    """Stored Wagtail rich text as safe HTML: links and images expanded, then sanitized."""
    from wagtail.rich_text import expand_db_html

    return str(_CLEANER.clean(expand_db_html(stored or "")))
