"""The browser harness itself: each check passes on a clean page and fails on a page built to fail.

The pages live in tests/browser/harness/ and are served by the live server
through tests/browser/harness_urls.py, behind the product's middleware (so with
its strict CSP), never through the product's URLconf.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ruledesk.tenancy.models import User
from tests.browser import checks
from tests.browser.conftest import ContextFactory, PageFactory

pytestmark = pytest.mark.usefixtures("harness_urls")


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("locale", ["en", "pl"])
def test_a_clean_page_passes_every_check(
    new_page: PageFactory, locale: str, color_scheme: str
) -> None:
    page = new_page(locale=locale, color_scheme=color_scheme)
    console = checks.watch_console(page)

    transfer = checks.transferred_bytes(page, "/__harness__/clean.html")

    assert transfer.status == 200
    assert "script-src 'self'" in transfer.headers["content-security-policy"]
    assert not transfer.problems(), transfer.report()
    assert {r.url.rsplit("/", 1)[1] for r in transfer.resources} == {"clean.js", "clean.css"}
    assert 0 < transfer.js_bytes < 500 and 0 < transfer.css_bytes < 500, transfer.report()
    assert not checks.inline_code(transfer.html)
    expect(page.locator("#js-state")).to_have_text("JavaScript is on.")  # 'self' scripts run
    violations = checks.axe_violations(page, impacts=checks.IMPACTS)
    assert not violations, checks.format_violations(violations, page.url)
    vitals = checks.web_vitals_warm(page, "/__harness__/clean.html")
    assert vitals.lcp_ms is not None and not vitals.problems(), vitals.report()
    assert vitals.lcp_element == "h1" and vitals.cls == 0
    assert not console


def test_axe_reports_deliberate_faults_with_their_nodes(new_page: PageFactory) -> None:
    page = new_page()
    page.goto("/__harness__/a11y.html")

    violations = checks.axe_violations(page)

    by_rule = {v.rule: v for v in violations}
    assert {"image-alt", "label"} <= set(by_rule), checks.format_violations(violations)
    assert by_rule["image-alt"].impact == "critical"
    assert [n.target for n in by_rule["image-alt"].nodes] == ["#no-alt"]
    message = checks.format_violations(violations, page.url)
    assert "[critical] image-alt" in message and "#unlabelled" in message
    # The impact filter: the same page has no minor faults.
    assert checks.axe_violations(page, impacts=("minor",)) == []


def test_axe_runs_under_the_strict_csp_without_bypassing_it(new_page: PageFactory) -> None:
    page = new_page()
    response = page.goto("/__harness__/a11y.html")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # An inline script (what add_script_tag(content=...) would insert) is refused here...
    refused = page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.inlineRan = true"; document.head.append(s);
                   return !window.inlineRan; }"""
    )
    assert refused
    # ...yet axe runs and finds the faults.
    assert checks.axe_violations(page)


def test_inline_code_in_a_served_page_is_found_and_refused(new_page: PageFactory) -> None:
    page = new_page()
    console = checks.watch_console(page)

    transfer = checks.transferred_bytes(page, "/__harness__/inline.html")

    found = checks.inline_code(transfer.html)
    assert len(found) == 4, found
    assert any("inline <script>" in p for p in found)
    assert any("<style> element" in p for p in found)
    assert any('style="color: blue"' in p for p in found)
    assert any("onclick=" in p for p in found)
    # In the browser the CSP refuses the same things, and says so in the console.
    assert page.title() != "inline script ran"
    assert any("Content Security Policy" in line for line in console), console


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<script src="/static/a.js"></script>', []),
        ('<script type="application/json">{}</script>', []),
        ("<script>x()</script>", ["line 1: inline <script> without src"]),
        ('<script type="module">x()</script>', ["line 1: inline <script> without src"]),
        ("<style>p{}</style>", ["line 1: <style> element"]),
        ('<p style="x"></p>', ['line 1: style="x" on <p>']),
        ('<img onerror="x()"/>', ["line 1: inline handler onerror= on <img>"]),
        ('<b hx-on:click="x()"></b>', ["line 1: inline handler hx-on:click= on <b>"]),
        ('<a href="javascript:x()">a</a>', ["line 1: javascript: URL in href= on <a>"]),
        ('<p data-style="x" class="one">ok</p>', []),
    ],
)
def test_inline_code_kinds(html: str, expected: list[str]) -> None:
    assert checks.inline_code(html) == expected


def test_budgets_and_other_origins_are_caught(new_page: PageFactory) -> None:
    page = new_page()

    transfer = checks.transferred_bytes(page, "/__harness__/heavy.html")

    problems = transfer.problems()
    assert any(p.startswith("JavaScript") for p in problems), transfer.report()
    assert any(p.startswith("CSS") for p in problems), transfer.report()
    assert transfer.js_bytes > checks.JS_BUDGET and transfer.css_bytes > checks.CSS_BUDGET
    # Served plain by the live server, so counted as gzip -9 of the body.
    assert all(not r.sent_encoded and r.wire_bytes < r.body_bytes for r in transfer.resources)
    # The CSP refuses the image from 127.0.0.1, but the attempt is still reported.
    assert [u.split("/")[2].split(":")[0] for u in transfer.other_origins] == ["127.0.0.1"]
    assert any("127.0.0.1" in p and "another origin" in p for p in problems)


def test_vitals_catch_late_content_and_layout_shift(new_page: PageFactory) -> None:
    page = new_page()
    page.goto("/__harness__/late.html")
    page.locator("#late").wait_for()

    vitals = checks.web_vitals(page)

    assert vitals.lcp_ms is not None and vitals.lcp_ms > checks.LCP_BUDGET_MS, vitals.report()
    assert vitals.lcp_element == "p#late.late"
    assert vitals.cls > checks.CLS_BUDGET, vitals.report()
    assert len(vitals.problems()) == 2


def test_login_as_signs_in_through_the_session_and_locale_reaches_the_server(
    new_page: PageFactory, agent: User
) -> None:
    page = new_page(user=agent, locale="pl")
    page.goto("/__harness__/echo")

    expect(page.locator("#user")).to_have_text("agent@acme.test")
    expect(page.locator("#language")).to_have_text("pl")
    expect(page.locator("#accept-language")).to_have_text("pl")
    expect(page.locator("#language-cookie")).to_have_text("pl")
    agent.refresh_from_db()
    assert agent.locale == "pl"  # a signed-in user's own language wins, so it is set too

    anonymous = new_page()
    anonymous.goto("/__harness__/echo")
    expect(anonymous.locator("#user")).to_have_text("anonymous")
    expect(anonymous.locator("#language")).to_have_text("en")


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_color_scheme_is_emulated(new_page: PageFactory, color_scheme: str) -> None:
    page = new_page(color_scheme=color_scheme)
    page.goto("/__harness__/clean.html")

    dark = page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")

    assert dark is (color_scheme == "dark")
    assert background == ("rgb(18, 18, 18)" if dark else "rgb(255, 255, 255)")


def test_javascript_can_be_turned_off(no_js_context: ContextFactory) -> None:
    page = no_js_context().new_page()
    page.goto("/__harness__/clean.html")

    expect(page.locator("#js-state")).to_have_text("JavaScript is off.")
