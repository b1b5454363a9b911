"""The home of each area. The desk, help center and console issues replace these."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from portal import access
from portal.http import render_page


@access.requires_any(*access.HELP)
@require_GET
def help_home(request: HttpRequest) -> HttpResponse:
    return render_page(request, "portal/requester/home.html")


@access.requires_any(*access.CONSOLE)
@require_GET
def console_home(request: HttpRequest) -> HttpResponse:
    return render_page(request, "portal/console/home.html")
