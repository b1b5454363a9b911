"""The one place where user Markdown becomes HTML (docs/security.md section 4).

Ticket descriptions and comment bodies are Markdown; ``render_markdown`` turns
them into the ``body_html`` the API and pages show. Nothing else in Ruledesk may
render user-supplied HTML.

Two layers, either of which alone would stop the usual payloads:

1. markdown-it-py in CommonMark mode with raw HTML *disabled*, so ``<script>``,
   ``<img onerror=...>``, ``<svg>``, comments and the like in the source come
   out as escaped text. Its own link validator already refuses
   ``javascript:``/``vbscript:``/``file:``/``data:`` destinations.
2. nh3 sanitizes the rendered HTML against an explicit allowlist of tags and
   attributes and only lets ``http``, ``https`` and ``mailto`` URLs (plus
   relative ones) through; ``rel="noopener noreferrer nofollow"`` is forced on
   every link. A last URL check also percent-decodes and strips whitespace and
   control characters before looking at the scheme, so no spelling of a
   dangerous scheme survives even as a (harmless) relative URL.

Why nh3 and not bleach: bleach stopped being maintained on 2026-06-05 and will
get no security releases. nh3 binds the Rust ``ammonia`` sanitizer, which parses
with html5ever (the browser-grade HTML5 algorithm) and is actively maintained.

Images are rendered as plain links to the image (alt text as the link text)
rather than ``<img>``: an inline image would make every agent's browser fetch a
requester-chosen URL when the ticket is opened (read tracking, IP leaks,
GET-triggered side effects), and would need its own CSP carve-out.

Table cell alignment is carried as ``align="left|center|right"`` instead of the
``style`` attribute markdown-it emits, because no ``style`` is ever allowed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "LINK_REL",
    "render_markdown",
]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)

# ``rel`` is not listed: nh3 sets it on every <a> from ``link_rel``.
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "ol": frozenset({"start"}),
}

# Attributes allowed only with these exact values.
_ALLOWED_ATTRIBUTE_VALUES: dict[str, dict[str, frozenset[str]]] = {
    "th": {"align": frozenset({"left", "center", "right"})},
    "td": {"align": frozenset({"left", "center", "right"})},
}

ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})

LINK_REL = "noopener noreferrer nofollow"

_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "cite"})
# Browsers ignore ASCII tab/newline anywhere in a URL and strip leading C0
# controls and spaces; we drop every C0/C1 control and all whitespace.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_ALIGN_STYLE = re.compile(r"^text-align:(left|center|right)$")
# Lone surrogates (e.g. from a JSON "\\ud800" escape) cannot be encoded as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _url_is_allowed(value: str) -> bool:
    """False if ``value`` names a scheme other than http, https or mailto.

    Checked both as written and percent-decoded (repeatedly, to a fixed
    point), each time ignoring whitespace and control characters.
    """
    candidate = value
    for _ in range(4):
        flat = _IGNORED_IN_URL.sub("", candidate).lower()
        match = _SCHEME.match(flat)
        if match is not None and match.group(1) not in ALLOWED_URL_SCHEMES:
            return False
        decoded = unquote(candidate)
        if decoded == candidate:
            return True
        candidate = decoded
    return False  # still changing after several rounds: refuse


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute in _URL_ATTRIBUTES and not _url_is_allowed(value):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_attribute_filter,
    strip_comments=True,
    link_rel=LINK_REL,
    generic_attribute_prefixes=set(),
    tag_attribute_values={
        tag: {attr: set(values) for attr, values in attrs.items()}
        for tag, attrs in _ALLOWED_ATTRIBUTE_VALUES.items()
    },
    url_schemes=set(ALLOWED_URL_SCHEMES),
    url_relative="pass_through",
)


def _render_image_as_link(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    text = self.renderInlineAsText(token.children, options, env) or src
    title = token.attrGet("title")
    title_attr = f' title="{escapeHtml(str(title))}"' if title else ""
    return f'<a href="{escapeHtml(src)}"{title_attr}>{escapeHtml(text)}</a>'


def _table_align_attribute(state: StateCore) -> None:
    """Turn markdown-it's ``style="text-align:x"`` on th/td into ``align="x"``."""
    for token in state.tokens:
        if token.type not in {"th_open", "td_open"}:
            continue
        style = token.attrs.pop("style", None)
        match = _ALIGN_STYLE.match(str(style)) if style is not None else None
        if match is not None:
            token.attrs["align"] = match.group(1)


def _build_parser() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark",
        {"html": False, "linkify": False, "typographer": False},
    ).enable(["table", "strikethrough"])
    md.add_render_rule("image", _render_image_as_link)
    md.core.ruler.push("ruledesk_table_align", _table_align_attribute)
    return md


_PARSER = _build_parser()


def render_markdown(source: str | None) -> str:
    """Render user Markdown to sanitized HTML. Never raises on any string."""
    if not source:
        return ""
    text = _SURROGATE.sub("\ufffd", source.replace("\x00", ""))
    if not text.strip():
        return ""
    return _CLEANER.clean(_PARSER.render(text))
