"""Django-client helpers for portal views: a page, its htmx fragment, the parsed document."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ruledesk.tenancy.models import User

# Any-valued: spread as **HX into Client.get/post, whose keyword parameters are not all str.
HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str, **extra: Any) -> Any:
    """GET a full page; asserts the answer says it varies on HX-Request."""
    response = client.get(url, **extra)
    assert "HX-Request" in response.get("Vary", ""), response.get("Vary")
    return response


def fragment(client: Client, url: str, **extra: Any) -> Any:
    response = client.get(url, **HX, **extra)
    assert "HX-Request" in response.get("Vary", ""), response.get("Vary")
    return response


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def csp_violations(html: str) -> list[str]:
    """Inline script, inline style or event-handler attributes: what a strict CSP would block."""
    doc = parse(html)
    found = [
        f"<{tag} {name}=...>" for tag, attrs in doc.tags for name in attrs if name.startswith("on")
    ]
    found += [f"<{tag} style=...>" for tag, attrs in doc.tags if "style" in attrs]
    found += ["<style>" for tag, _ in doc.tags if tag == "style"]
    found += [
        "<script> without src"
        for tag, attrs in doc.tags
        if tag == "script" and not attrs.get("src")
    ]
    if doc.inline_scripts:
        found.append("inline script text")
    return found


def ids(html: str) -> set[str]:
    return {attrs["id"] or "" for _, attrs in parse(html).tags if "id" in attrs}


def queries_of(client: Client, url: str, **extra: Any) -> int:
    """How many queries one GET costs (asserting it answered 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)
