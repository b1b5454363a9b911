"""Answering a portal request: the same view renders a page or, under htmx, its fragment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme


def is_htmx(request: HttpRequest) -> bool:
    """A request htmx made to swap part of the page.

    A boosted link and a history restore (Back after the page cache is gone) want
    the whole page.
    """
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and "HX-Boosted" not in headers
        and "HX-History-Restore-Request" not in headers
    )


def render_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render `template`, or `fragment` (an `_`-prefixed file the page includes) under htmx."""
    chosen = fragment if fragment is not None and is_htmx(request) else template
    response = render(request, chosen, dict(context or {}), status=status)
    # Caches must not hand a fragment to a full-page load of the same URL, or the reverse.
    patch_vary_headers(response, ["HX-Request"])
    return response


def hx_redirect(url: str) -> HttpResponse:
    """Make htmx load `url` as a whole page (a plain redirect would be swapped into the target)."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response


def redirect_or_fragment(
    request: HttpRequest,
    url: str,
    *,
    fragment: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """After a successful POST: the fragment for htmx, else a redirect (POST/redirect/GET)."""
    if is_htmx(request):
        if fragment is None:
            return hx_redirect(url)
        return render_page(request, fragment, context, fragment=fragment)
    return HttpResponseRedirect(url)


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """`candidate` when it is a path on this site, else `default` (no open redirects)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
