"""A test-only URLconf: the product's routes plus pages that prove the browser checks can fail.

Used through the `harness_urls` fixture (ROOT_URLCONF for one test); the
product's `ruledesk/urls.py` is untouched. The pages go through the product's
middleware, so they get its strict Content-Security-Policy like any real page.
"""

from __future__ import annotations

import base64
import functools
import html
import random
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from ruledesk import urls as product

HARNESS = Path(__file__).resolve().parent / "harness"
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
}
FILES = {p.name for p in HARNESS.iterdir() if p.suffix.lstrip(".") in CONTENT_TYPES}
# A 1x1 transparent PNG.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def other_origin(request: HttpRequest) -> str:
    """The live server under its other name: localhost and 127.0.0.1 are different origins."""
    host, _, port = request.get_host().partition(":")
    other = "127.0.0.1" if host == "localhost" else "localhost"
    return f"{request.scheme}://{other}:{port}" if port else f"{request.scheme}://{other}"


def harness_file(request: HttpRequest, name: str) -> HttpResponse:
    if name not in FILES:
        raise Http404(name)
    text = (HARNESS / name).read_text(encoding="utf-8")
    if name.endswith(".html"):
        text = text.replace("{other_origin}", other_origin(request))
    return HttpResponse(text, content_type=CONTENT_TYPES[name.rsplit(".", 1)[1]])


@functools.cache
def _incompressible(size: int) -> str:
    """Base64 of seeded random bytes: gzip saves only ~25 %, so the size survives compression."""
    return base64.b64encode(random.Random(size).randbytes(size)).decode()


def big_js(request: HttpRequest) -> HttpResponse:
    body = f'"use strict";\nwindow.harnessPayload = "{_incompressible(60_000)}";\n'
    return HttpResponse(body, content_type=CONTENT_TYPES["js"])


def big_css(request: HttpRequest) -> HttpResponse:
    body = f"/* {_incompressible(40_000)} */\nbody {{ font-family: system-ui, sans-serif; }}\n"
    return HttpResponse(body, content_type=CONTENT_TYPES["css"])


def pixel(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PIXEL, content_type="image/png")


def echo(request: HttpRequest) -> HttpResponse:
    """What the server saw: the signed-in user, the language it chose and why."""
    user = request.user
    facts = {
        "user": user.get_username() if user.is_authenticated else "anonymous",
        "language": getattr(request, "LANGUAGE_CODE", ""),
        "accept-language": request.headers.get("Accept-Language", ""),
        "language-cookie": request.COOKIES.get("django_language", ""),
    }
    rows = "".join(
        f'<dt>{key}</dt><dd id="{key}">{html.escape(value)}</dd>' for key, value in facts.items()
    )
    return HttpResponse(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Echo</title></head>'
        f"<body><main><h1>Echo</h1><dl>{rows}</dl></main></body></html>"
    )


urlpatterns = [
    path("__harness__/echo", echo),
    path("__harness__/big.js", big_js),
    path("__harness__/big.css", big_css),
    path("__harness__/pixel.png", pixel),
    path("__harness__/<str:name>", harness_file),
    *product.urlpatterns,
]

handler400 = product.handler400
handler403 = product.handler403
handler404 = product.handler404
handler500 = product.handler500
