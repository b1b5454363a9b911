"""ruledesk.markdown.render_markdown: the one Markdown-to-HTML path (security.md section 4).

Plain unit tests: no database.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruledesk.markdown import ALLOWED_TAGS, ALLOWED_URL_SCHEMES, LINK_REL, render_markdown

FORBIDDEN_TAGS = (
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "form",
    "input",
    "base",
    "meta",
    "link",
    "img",
    "details",
    "textarea",
    "button",
)
EVENT_HANDLER = re.compile(r"\son\w+\s*=", re.IGNORECASE)
URL_IGNORED = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
DANGEROUS_SCHEME = re.compile(r"(javascript|vbscript|data|file|livescript):")
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
URL_ATTRIBUTES = frozenset({"href", "src", "action", "cite", "xlink:href"})


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def _flatten_url(value: str) -> str:
    """What a browser would see as the scheme part, as pessimistically as possible."""
    flat = URL_IGNORED.sub("", value).lower()
    for _ in range(4):
        flat = URL_IGNORED.sub("", unquote(flat)).lower()
    return flat


def assert_safe(html: str) -> None:
    """Every property security.md section 4 promises for rendered HTML."""
    assert isinstance(html, str)
    lowered = html.lower()
    for tag in FORBIDDEN_TAGS:
        assert f"<{tag}" not in lowered, (tag, html)
    # Text never contains a raw "<" (it is escaped), so these are exactly the tags.
    # Blank out quoted attribute values (nh3 always double-quotes and escapes ")
    # and look for handler-like attributes in what is left.
    for markup in re.findall(r"<[^>]*>", html):
        skeleton = re.sub(r'"[^"]*"', '""', markup)
        assert not EVENT_HANDLER.search(skeleton), (markup, html)
        assert "'" not in skeleton, (markup, html)

    parser = _Collector()
    parser.feed(html)
    parser.close()
    assert parser.comments == [], html
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, raw in attrs:
            name = name.lower()
            value = raw or ""
            assert not name.startswith("on"), (tag, name, html)
            assert name not in {"style", "class", "id", "srcdoc", "formaction"}, (name, html)
            flat = _flatten_url(value)
            if name in URL_ATTRIBUTES:
                # A browser reads a scheme only at the start ("[data:x" is a relative
                # path); the flattening above already removed what it would ignore.
                match = SCHEME.match(flat)
                assert match is None or match.group(1) in ALLOWED_URL_SCHEMES, (value, html)
            else:
                assert not DANGEROUS_SCHEME.search(flat) or name == "title", (name, value, html)


HOSTILE = {
    # javascript: in every spelling
    "plain-js-link": "[x](javascript:alert(1))",
    "mixed-case-js": "[x](JaVaScRiPt:alert(1))",
    "tab-in-scheme": "[x](java\tscript:alert(1))",
    "entity-tab-in-scheme": "[x](java&#x09;script:alert(1))",
    "entity-newline-in-scheme": "[x](java&#10;script:alert(1))",
    "decimal-entity-j": "[x](&#106;avascript:alert(1))",
    "hex-entity-all": "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "named-colon-entity": "[x](javascript&colon;alert(1))",
    "leading-spaces": "[x](   javascript:alert(1))",
    "leading-newline": "[x](\njavascript:alert(1))",
    "leading-entity-space": "[x](&#32;javascript:alert(1))",
    "leading-control-char": "[x](\x01javascript:alert(1))",
    "angle-destination": "[x](<javascript:alert(1)>)",
    "percent-encoded-j": "[x](%6Aavascript:alert(1))",
    "percent-encoded-colon": "[x](javascript%3Aalert(1))",
    "double-percent-encoded": "[x](%256Aavascript%253Aalert(1))",
    "autolink-js": "<javascript:alert(1)>",
    "autolink-vbscript": "<vbscript:msgbox(1)>",
    "vbscript-link": "[x](vbscript:msgbox(1))",
    "data-html-link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data-image-link": "[x](data:image/png;base64,iVBORw0KGgo=)",
    "file-link": "[x](file:///etc/passwd)",
    # reference links and multi-line link text
    "reference-link": "[x][1]\n\n[1]: javascript:alert(1)",
    "reference-link-title": '[x][1]\n\n[1]: javascript:alert(1) "t"',
    "reference-entity": "[x][a]\n\n[a]: &#106;avascript:alert(1)",
    "collapsed-reference": "[x][]\n\n[x]: JAVASCRIPT:alert(1)",
    "multi-line-link-text": "[click\nme\nplease](javascript:alert(1))",
    "multi-line-destination": "[x](java\nscript:alert(1))",
    "nested-brackets": "[[x](javascript:alert(1))](https://example.com)",
    "nested-brackets-2": "[a [b] c](javascript:alert(1))",
    # images
    "image-js": "![x](javascript:alert(1))",
    "image-data-html": "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "image-data-png": "![x](data:image/png;base64,iVBORw0KGgo=)",
    "image-data-svg": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "image-title-breakout": '![x](https://example.com/a.png "a\\" onerror=\\"alert(1))',
    "image-inside-link": "[![x](https://example.com/a.png)](javascript:alert(1))",
    # raw HTML (must come out as text)
    "img-onerror": "<img src=x onerror=alert(1)>",
    "script-block": "<script>alert(1)</script>",
    "script-inline": "hello <script>alert(1)</script> world",
    "script-uppercase": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "svg-onload": "<svg onload=alert(1)>",
    "svg-inline": "text <svg><script>alert(1)</script></svg>",
    "math": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "a-href-js": '<a href="javascript:alert(1)">x</a>',
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "iframe-srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "object-embed": '<object data="x.swf"></object><embed src="x.swf">',
    "form-input": '<form action="javascript:alert(1)"><input type=submit></form>',
    "base-meta-link": '<base href="javascript:/"><meta http-equiv="refresh" content="0;url=javascript:alert(1)"><link rel=stylesheet href=x>',
    "html-comment": "<!-- <script>alert(1)</script> -->",
    "comment-breakout": "<!--><img src=x onerror=alert(1)>-->",
    "style-tag": "<style>body{background:url(javascript:alert(1))}</style>",
    "style-attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    "details-ontoggle": "<details open ontoggle=alert(1)>",
    "block-html": "<div onclick=alert(1)>\n\n**x**\n\n</div>",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "processing-instruction": "<?xml-stylesheet href='javascript:alert(1)'?>",
    "textarea-breakout": "</textarea><script>alert(1)</script>",
    # titles and attribute breakouts
    "title-breakout": '[x](http://a "onmouseover=alert(1)")',
    "title-breakout-quote": '[x](http://a "a\\" onmouseover=\\"alert(1))',
    "title-single-quote": "[x](http://a 'x' onmouseover='alert(1)')",
    "title-paren": '[x](http://a (" onmouseover=alert(1) x="))',
    "href-quote-breakout": '[x](http://a"onmouseover="alert(1))',
    "href-space-breakout": "[x](<http://a onmouseover=alert(1)>)",
    "autolink-quote": '<http://a"onmouseover="alert(1)>',
    # code: HTML must be shown escaped
    "backtick-html": "`<img src=x onerror=alert(1)>`",
    "fence-html": "```html\n<script>alert(1)</script>\n```",
    "fence-info-breakout": '```"><script>alert(1)</script>\nx\n```',
    "indented-code-html": "    <iframe src=javascript:alert(1)>",
    # entities and odd characters
    "entity-lt": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "double-escaped": "&amp;lt;script&amp;gt;",
    "nul-in-tag": "<scr\x00ipt>alert(1)</scr\x00ipt>",
    "nul-in-scheme": "[x](java\x00script:alert(1))",
    "unicode-fullwidth": "[x](ｊａｖａｓｃｒｉｐｔ:alert(1))",
    "table-cell-html": "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "table-cell-link": "| a |\n|---|\n| [x](javascript:alert(1)) |",
    "strike-link": "~~[x](javascript:alert(1))~~",
    "heading-link": "# [x](javascript:alert(1))",
    "blockquote-link": "> [x](javascript:alert(1))",
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_payload_is_neutralised(source: str) -> None:
    assert_safe(render_markdown(source))


@pytest.mark.parametrize(
    "source",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "<svg onload=alert(1)>",
        "<details open ontoggle=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=x></iframe>",
    ],
)
def test_raw_html_is_shown_as_text(source: str) -> None:
    html = render_markdown(source)
    assert "&lt;" in html
    assert "<a" not in html


def test_inline_code_shows_html_escaped() -> None:
    assert render_markdown("`<img src=x onerror=alert(1)>`") == (
        "<p><code>&lt;img src=x onerror=alert(1)&gt;</code></p>\n"
    )


def test_fenced_code_shows_html_escaped_and_drops_language_class() -> None:
    assert render_markdown("```html\n<script>alert(1)</script>\n```") == (
        "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>\n"
    )


def test_comment_is_not_passed_through() -> None:
    html = render_markdown("<!-- secret -->")
    assert "<!--" not in html


@pytest.mark.parametrize(
    "source",
    ["[x](javascript:alert(1))", "[x][1]\n\n[1]: javascript:alert(1)", "<javascript:alert(1)>"],
)
def test_javascript_link_never_gets_an_href(source: str) -> None:
    assert "href=" not in render_markdown(source)


def test_a_scheme_name_after_other_characters_is_a_harmless_relative_link() -> None:
    # Found by the fuzz test: "[data:" has no scheme for a browser (one must start
    # the URL with a letter), so it resolves under the page's own origin.
    html = render_markdown("[x](%5Bdata:text/html,hi)")
    assert html == (
        '<p><a href="%5Bdata:text/html,hi" rel="noopener noreferrer nofollow">x</a></p>\n'
    )
    assert_safe(html)
    assert "href=" not in render_markdown("[x](%6Aavascript:alert(1))")


# --- positive cases: exact HTML --------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "[ok](https://example.com)",
            f'<p><a href="https://example.com" rel="{LINK_REL}">ok</a></p>\n',
        ),
        (
            '[ok](http://example.com/a?b=1&c=2 "Title")',
            f'<p><a href="http://example.com/a?b=1&amp;c=2" title="Title" rel="{LINK_REL}">ok</a></p>\n',
        ),
        (
            "[mail](mailto:help@example.com)",
            f'<p><a href="mailto:help@example.com" rel="{LINK_REL}">mail</a></p>\n',
        ),
        (
            "<help@example.com>",
            f'<p><a href="mailto:help@example.com" rel="{LINK_REL}">help@example.com</a></p>\n',
        ),
        (
            "<https://example.com>",
            f'<p><a href="https://example.com" rel="{LINK_REL}">https://example.com</a></p>\n',
        ),
        (
            "[ticket](/tickets/42)",
            f'<p><a href="/tickets/42" rel="{LINK_REL}">ticket</a></p>\n',
        ),
        (
            "[x][1]\n\n[1]: https://example.com",
            f'<p><a href="https://example.com" rel="{LINK_REL}">x</a></p>\n',
        ),
        ("**bold** and *em*", "<p><strong>bold</strong> and <em>em</em></p>\n"),
        ("~~gone~~", "<p><s>gone</s></p>\n"),
        ("# Title\n\ntext", "<h1>Title</h1>\n<p>text</p>\n"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"),
        ("3. a\n4. b", '<ol start="3">\n<li>a</li>\n<li>b</li>\n</ol>\n'),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>\n"),
        ("```python\nx = 1 < 2\n```", "<pre><code>x = 1 &lt; 2\n</code></pre>\n"),
        ("    indented", "<pre><code>indented\n</code></pre>\n"),
        ("a  \nb", "<p>a<br>\nb</p>\n"),
        ("---", "<hr>\n"),
        ("AT&T <3", "<p>AT&amp;T &lt;3</p>\n"),
        (
            "| a | b |\n|:-|-:|\n| 1 | 2 |",
            '<table>\n<thead>\n<tr>\n<th align="left">a</th>\n<th align="right">b</th>\n'
            '</tr>\n</thead>\n<tbody>\n<tr>\n<td align="left">1</td>\n'
            '<td align="right">2</td>\n</tr>\n</tbody>\n</table>\n',
        ),
        (
            '![diagram](https://example.com/d.png "Flow")',
            f'<p><a href="https://example.com/d.png" title="Flow" rel="{LINK_REL}">diagram</a></p>\n',
        ),
    ],
)
def test_renders_expected_html(source: str, expected: str) -> None:
    html = render_markdown(source)
    assert html == expected
    assert_safe(html)


def test_images_become_links_not_img() -> None:
    html = render_markdown("![x](https://tracker.example/pixel.gif)")
    assert "<img" not in html
    assert 'href="https://tracker.example/pixel.gif"' in html


def test_data_image_is_a_link_without_href() -> None:
    html = render_markdown("![x](data:image/png;base64,iVBORw0KGgo=)")
    assert html == f'<p><a rel="{LINK_REL}">x</a></p>\n'


# --- edge inputs -------------------------------------------------------------


@pytest.mark.parametrize("source", [None, "", "   ", "\n\n\t", "\x00", "\x00\x00\n"])
def test_empty_input_renders_empty(source: str | None) -> None:
    assert render_markdown(source) == ""


def test_nul_characters_are_stripped() -> None:
    html = render_markdown("a\x00b **c\x00d**")
    assert html == "<p>ab <strong>cd</strong></p>\n"
    assert "\ufffd" not in html


@pytest.mark.parametrize(
    "source",
    [
        "hello world " * 9000,
        "[" * 100_000,
        "![" * 50_000,
        "*a" * 50_000,
        "_*" * 50_000,
        ">" * 100_000,
        "`" * 100_000,
        "<" * 100_000,
        "[x](javascript:alert(1)) " * 4_000,
        "|a" * 25_000 + "\n" + "|-" * 25_000 + "\n",
        "".join("  " * i + "- x\n" for i in range(300)),
    ],
    ids=[
        "text",
        "brackets",
        "image-openers",
        "emphasis",
        "mixed-emphasis",
        "blockquotes",
        "backticks",
        "angles",
        "links",
        "wide-table",
        "deep-list",
    ],
)
def test_100kb_input_renders_safely(source: str) -> None:
    # Not a timed test (timings belong in bench/): large pathological inputs must
    # finish and stay safe. The API caps bodies at 50,000 characters anyway.
    assert len(source) >= 90_000
    html = render_markdown(source)
    assert isinstance(html, str)
    assert_safe(html)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_fuzz_any_text_is_safe(source: str) -> None:
    html = render_markdown(source)
    assert isinstance(html, str)
    assert "<script" not in html.lower()
    assert_safe(html)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(codec=None, exclude_categories=())))
def test_fuzz_any_code_point_including_lone_surrogates(source: str) -> None:
    assert_safe(render_markdown(source))


def test_lone_surrogates_do_not_raise() -> None:
    # json.loads('"\\ud800"') yields a lone surrogate, which UTF-8 cannot encode.
    assert render_markdown("a\ud800**b**\udfff") == "<p>a\ufffd<strong>b</strong>\ufffd</p>\n"


_MARKDOWN_ALPHABET = st.sampled_from(
    list("[]()<>!*_`~#>-|:\"' \n\t&;=/\\")
    + ["javascript:", "JaVaScRiPt:", "java\tscript:", "&#106;", "&#x09;", "&colon;", "%6A"]
    + ["data:", "vbscript:", "<img src=x onerror=alert(1)>", "<script>", "onload=", "http://a"]
    + ["[x](", "![x](", "[1]: ", "<a href=", "\x00", "\u00a0", "\u2028"]
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_MARKDOWN_ALPHABET, max_size=40).map("".join))
def test_fuzz_markdown_shaped_text_is_safe(source: str) -> None:
    assert_safe(render_markdown(source))
