"""Checks a browser test runs on a loaded page: accessibility (A1), bytes (P4), vitals (P5), CSP.

Each check returns data (an empty list or no problems means it passed) and
formats it for an assertion message, so a failure names the element, the file
or the figure at fault:

    transfer = transferred_bytes(page, "/desk/")
    assert not transfer.problems(), transfer.report()
    assert not inline_code(transfer.html), "\\n".join(inline_code(transfer.html))
    assert not (found := axe_violations(page)), format_violations(found)
    vitals = web_vitals_warm(page, "/desk/")
    assert not vitals.problems(), vitals.report()

Nothing here needs the network: axe-core is vendored under `vendor/`.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Page, Request

VENDOR = Path(__file__).resolve().parent / "vendor"
AXE_VERSION = "4.14.1"
AXE_SOURCE = (VENDOR / "axe.min.js").read_text(encoding="utf-8")
# Target A1: WCAG 2.2 A and AA (axe tags each rule with the version that added it) + best practice.
AXE_TAGS = (
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22a",
    "wcag22aa",
    "best-practice",
)
IMPACTS = ("minor", "moderate", "serious", "critical")

# Target P4, per page on a cold cache. "KB" read as 1,000 bytes: the stricter reading.
JS_BUDGET = 40_000
CSS_BUDGET = 25_000
# WhiteNoise writes its .gz copies at level 9; servers without them are measured the same way.
GZIP_LEVEL = 9

# Target P5.
LCP_BUDGET_MS = 1000.0
CLS_BUDGET = 0.02


# --- Accessibility (A1) -----------------------------------------------------------


@dataclass(frozen=True)
class AxeNode:
    target: str
    html: str
    summary: str


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    help_url: str
    nodes: tuple[AxeNode, ...]


def axe_violations(
    page: Page,
    impacts: tuple[str, ...] = ("serious", "critical"),
    *,
    tags: tuple[str, ...] = AXE_TAGS,
    disable_rules: tuple[str, ...] = (),
) -> list[Violation]:
    """Run the vendored axe-core on the page as it is now; the violations of the given impacts.

    axe is evaluated through Playwright (DevTools' Runtime.evaluate), which the
    page's `script-src 'self'` does not govern, so it runs on the real CSP
    without `bypass_csp` (an inline `<script>` tag would be refused).
    """
    unknown = set(impacts) - set(IMPACTS)
    if unknown:
        raise ValueError(f"unknown impacts {sorted(unknown)}; axe uses {IMPACTS}")
    if not page.evaluate("() => typeof window.axe === 'object' && !!window.axe.run"):
        page.evaluate(AXE_SOURCE)
    version = page.evaluate("() => window.axe && window.axe.version")
    if version != AXE_VERSION:
        raise RuntimeError(f"axe-core did not load on {page.url} (got {version!r})")
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations"],
    }
    if disable_rules:
        options["rules"] = {rule: {"enabled": False} for rule in disable_rules}
    raw = page.evaluate(
        """async (options) => {
            const results = await window.axe.run(document, options);
            return results.violations.map(v => ({
                rule: v.id, impact: v.impact || "", help: v.help, help_url: v.helpUrl,
                nodes: v.nodes.map(n => ({
                    target: n.target.map(t => Array.isArray(t) ? t.join(" >>> ") : t).join(", "),
                    html: n.html, summary: n.failureSummary || "",
                })),
            }));
        }""",
        options,
    )
    return [
        Violation(
            rule=v["rule"],
            impact=v["impact"],
            help=v["help"],
            help_url=v["help_url"],
            nodes=tuple(AxeNode(**node) for node in v["nodes"]),
        )
        for v in raw
        if v["impact"] in impacts
    ]


def format_violations(violations: list[Violation], url: str = "") -> str:
    if not violations:
        return "no axe violations"
    lines = [f"{len(violations)} axe violation(s){' on ' + url if url else ''}:"]
    for v in violations:
        lines.append(f"- [{v.impact}] {v.rule}: {v.help} ({v.help_url})")
        for node in v.nodes:
            lines.append(f"    at {node.target}: {_clip(node.html, 160)}")
            lines.extend(f"      {line}" for line in node.summary.splitlines() if line.strip())
    return "\n".join(lines)


# --- Bytes and origins (P4) ---------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    url: str
    kind: str  # Playwright's resource type: "script", "stylesheet", ...
    status: int
    body_bytes: int  # decoded
    wire_bytes: int  # as the server sent it, or gzipped (level 9) when it sent it plain
    sent_encoded: bool


@dataclass
class Transfer:
    url: str
    status: int
    html: str
    headers: dict[str, str] = field(default_factory=dict)
    resources: list[Resource] = field(default_factory=list)
    other_origins: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def js_bytes(self) -> int:
        return sum(r.wire_bytes for r in self.resources if r.kind == "script")

    @property
    def css_bytes(self) -> int:
        return sum(r.wire_bytes for r in self.resources if r.kind == "stylesheet")

    def problems(self, js_budget: int = JS_BUDGET, css_budget: int = CSS_BUDGET) -> list[str]:
        found = []
        if self.js_bytes > js_budget:
            found.append(f"JavaScript {self.js_bytes:,} B gzip > {js_budget:,} B")
        if self.css_bytes > css_budget:
            found.append(f"CSS {self.css_bytes:,} B gzip > {css_budget:,} B")
        found.extend(f"request to another origin: {url}" for url in self.other_origins)
        return found

    def report(self) -> str:
        lines = [
            f"{self.url} ({self.status}): JS {self.js_bytes:,} B, CSS {self.css_bytes:,} B gzip",
            *(f"  problem: {p}" for p in self.problems()),
        ]
        for r in sorted(self.resources, key=lambda r: -r.wire_bytes):
            how = "sent encoded" if r.sent_encoded else "gzip -9 of plain"
            lines.append(
                f"  {r.kind:<10} {r.wire_bytes:>8,} B ({how}; {r.body_bytes:,} B decoded) {r.url}"
            )
        lines.extend(f"  failed: {f}" for f in self.failed)
        return "\n".join(lines)


def transferred_bytes(page: Page, url: str, *, quiet_ms: int = 150) -> Transfer:
    """Load `url` with the browser cache off; what the page's JS and CSS cost gzip-encoded.

    Local servers (runserver, live_server, WhiteNoise without `collectstatic`)
    send files plain, so a plain response is counted as the gzip -9 of its body,
    which is what WhiteNoise's compressed copy weighs; an encoded one counts its
    bytes on the wire. Every request to an origin other than the page's is
    listed, including ones the CSP refused (they still show intent).

    It waits for `load`, then until no request has been in flight for
    `quiet_ms` (Playwright's "networkidle" waits a fixed 500 ms, and never
    settles on a page that polls faster than that).
    """
    finished: list[Request] = []
    requested: list[Request] = []
    failed: list[str] = []
    in_flight: set[Request] = set()
    last_activity = [time.monotonic()]

    def on_request(request: Request) -> None:
        requested.append(request)
        in_flight.add(request)
        last_activity[0] = time.monotonic()

    def on_finished(request: Request) -> None:
        finished.append(request)
        in_flight.discard(request)
        last_activity[0] = time.monotonic()

    def on_failed(request: Request) -> None:
        failed.append(f"{request.url} ({request.failure})")
        in_flight.discard(request)
        last_activity[0] = time.monotonic()

    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.on("request", on_request)
    page.on("requestfinished", on_finished)
    page.on("requestfailed", on_failed)
    try:
        response = page.goto(url, wait_until="load")
        deadline = time.monotonic() + 10
        while in_flight or time.monotonic() - last_activity[0] < quiet_ms / 1000:
            if time.monotonic() > deadline:
                raise AssertionError(f"{url}: requests still in flight: {in_flight}")
            page.wait_for_timeout(20)  # lets Playwright deliver the network events
    finally:
        page.remove_listener("request", on_request)
        page.remove_listener("requestfinished", on_finished)
        page.remove_listener("requestfailed", on_failed)
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        cdp.detach()
    if response is None:
        raise AssertionError(f"{url}: no response (same-document navigation?)")
    origin = _origin(response.url)
    transfer = Transfer(
        url=response.url, status=response.status, html=response.text(), headers=response.headers
    )
    transfer.failed = failed
    transfer.other_origins = [
        request.url
        for request in requested
        if urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
        and _origin(request.url) != origin
    ]
    for request in finished:
        answer = request.response()
        if answer is None or request.resource_type not in ("script", "stylesheet"):
            continue
        if 300 <= answer.status < 400:
            continue
        body = answer.body()
        encoded = bool(answer.headers.get("content-encoding", "").strip())
        wire = (
            request.sizes()["responseBodySize"]
            if encoded
            else len(gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))
        )
        transfer.resources.append(
            Resource(
                url=request.url,
                kind=request.resource_type,
                status=answer.status,
                body_bytes=len(body),
                wire_bytes=wire,
                sent_encoded=encoded,
            )
        )
    return transfer


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


# --- Web vitals (P5) ----------------------------------------------------------------

# Installed by `add_init_script` on every context the fixtures make: Playwright
# injects init scripts through DevTools, outside the page's CSP, before any of
# the page's own scripts. CLS is the largest session window (gaps < 1 s, at most
# 5 s), as web-vitals and Chrome's UX report compute it.
VITALS_INIT_SCRIPT = """
(() => {
  if (window.__ruledeskVitals || typeof PerformanceObserver === "undefined") return;
  const vitals = window.__ruledeskVitals = {lcp: null, lcpElement: null, cls: 0, shifts: []};
  const describe = (el) => !el ? null
    : el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (el.classList && el.classList.length ? "." + [...el.classList].join(".") : "");
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      vitals.lcp = entry.startTime;
      vitals.lcpElement = describe(entry.element);
    }
  }).observe({type: "largest-contentful-paint", buffered: true});
  let session = 0, first = 0, last = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      if (session && entry.startTime - last < 1000 && entry.startTime - first < 5000) {
        session += entry.value;
      } else {
        session = entry.value;
        first = entry.startTime;
      }
      last = entry.startTime;
      vitals.cls = Math.max(vitals.cls, session);
      vitals.shifts.push({
        value: entry.value, at: entry.startTime,
        sources: (entry.sources || []).map(s => describe(s.node)).filter(Boolean),
      });
    }
  }).observe({type: "layout-shift", buffered: true});
})();
"""


@dataclass(frozen=True)
class Vitals:
    url: str
    lcp_ms: float | None
    lcp_element: str | None
    cls: float
    shifts: tuple[dict[str, Any], ...]
    ttfb_ms: float | None = None  # the server's share, to tell a slow server from a slow page

    def problems(self, lcp_ms: float = LCP_BUDGET_MS, cls: float = CLS_BUDGET) -> list[str]:
        found = []
        if self.lcp_ms is None:
            found.append("no largest-contentful-paint entry (nothing contentful painted?)")
        elif self.lcp_ms > lcp_ms:
            found.append(f"LCP {self.lcp_ms:.0f} ms > {lcp_ms:.0f} ms ({self.lcp_element})")
        if self.cls > cls:
            found.append(f"CLS {self.cls:.3f} > {cls}")
        return found

    def report(self) -> str:
        lcp = "none" if self.lcp_ms is None else f"{self.lcp_ms:.0f} ms ({self.lcp_element})"
        ttfb = "?" if self.ttfb_ms is None else f"{self.ttfb_ms:.0f} ms"
        lines = [f"{self.url}: LCP {lcp}, CLS {self.cls:.3f}, first byte {ttfb}"]
        lines.extend(f"  problem: {p}" for p in self.problems())
        lines.extend(f"  shift: {json.dumps(s)}" for s in self.shifts)
        return "\n".join(lines)


def web_vitals(page: Page, *, wait_ms: int = 3000) -> Vitals:
    """LCP and CLS of the current document so far, read after load and two animation frames.

    Chromium reports an LCP entry only once the frame is presented, which on a
    busy machine can come several frames after load, so this waits up to
    `wait_ms` for the first entry. Call it once the page shows what the test
    waits for; LCP candidates stop at the first click or key press, so read it
    before interacting. For target P5 prefer `web_vitals_warm`.
    """
    page.wait_for_load_state("load")
    raw = page.evaluate(
        """(waitMs) => new Promise(resolve => {
            const started = performance.now();
            const read = () => {
                const vitals = window.__ruledeskVitals;
                if (vitals && vitals.lcp === null && performance.now() - started < waitMs) {
                    setTimeout(read, 20);
                    return;
                }
                const nav = performance.getEntriesByType("navigation")[0];
                resolve(vitals ? {...vitals, ttfb: nav ? nav.responseStart : null} : null);
            };
            requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(read, 0)));
        })""",
        wait_ms,
    )
    if raw is None:
        raise RuntimeError(
            f"{page.url}: the vitals observer is not installed; use a context from the "
            "`new_context`/`new_page` fixtures (JavaScript on) or add VITALS_INIT_SCRIPT"
        )
    return Vitals(
        url=page.url,
        lcp_ms=raw["lcp"],
        lcp_element=raw["lcpElement"],
        cls=float(raw["cls"]),
        shifts=tuple(raw["shifts"]),
        ttfb_ms=raw["ttfb"],
    )


def web_vitals_warm(page: Page, url: str) -> Vitals:
    """Visit `url`, visit it again, and measure the second visit (target P5).

    The first visit pays for what belongs to the machine, not the page: a
    fresh context's renderer process and the server's first-request work.
    Measured on a loaded 2-core machine, a trivial page's LCP was 400-650 ms
    on a fresh context's first visit (2 s at worst) and 130-280 ms after.
    """
    page.goto(url)
    page.goto(url)
    return web_vitals(page)


# --- Strict CSP in the markup ------------------------------------------------------

# Data blocks are not executed, so `script-src` does not apply (Django's json_script).
DATA_SCRIPT_TYPES = frozenset({"application/json", "application/ld+json"})


class _InlineCodeFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        names = {name for name, _ in attrs}
        values = dict(attrs)
        if tag == "script" and "src" not in names:
            kind = (values.get("type") or "").strip().lower()
            if kind not in DATA_SCRIPT_TYPES:
                self.problems.append(f"line {line}: inline <script> without src")
        if tag == "style":
            self.problems.append(f"line {line}: <style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f'line {line}: style="{value}" on <{tag}>')
            elif name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                # hx-on* is htmx's inline handler: it needs eval, which the CSP forbids.
                self.problems.append(f"line {line}: inline handler {name}= on <{tag}>")
            elif name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"line {line}: javascript: URL in {name}= on <{tag}>")

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    """What in this HTML the strict CSP would refuse: inline scripts, styles and handlers."""
    finder = _InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


# --- Console -------------------------------------------------------------------------


def watch_console(page: Page) -> list[str]:
    """A list that fills with the page's console errors (CSP refusals among them) and crashes.

    Call before navigating; assert the list is empty at the end of the journey.
    """
    seen: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "assert"):
            where = message.location.get("url") or page.url
            seen.append(f"console.{message.type}: {message.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.append(f"uncaught: {error}"))
    return seen


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
