"""A request as the help center shows it: read-only until the help center issue.

Both areas load through `workflows.selectors`, so a requester sees only their
own tickets and public comments, exactly as the API decides.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from portal import access
from portal.http import render_page
from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy.models import User
from workflows import selectors
from workflows.models import Ticket


def _ticket(user: User, number: str) -> Ticket:
    """`ACME-42`, `#42` or `42` within the user's organization and visibility; 404 otherwise."""
    digits = number.rsplit("-", 1)[-1].lstrip("#")
    if not digits.isdigit() or len(digits) > 9:
        raise errors.NotFound()
    ticket = (
        selectors.with_related(selectors.tickets_visible_to(user))
        .filter(number=int(digits))
        .first()
    )
    if ticket is None:
        raise errors.NotFound()
    return ticket


def _render(request: HttpRequest, number: str, template: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    ticket = _ticket(user, number)
    context = {
        "ticket": ticket,
        "comments": selectors.comments_visible_to(user, ticket).order_by("created_at", "id"),
        "show_internal": policy.can(user, "comment.view_internal", ticket),
    }
    return render_page(request, template, context)


@access.requires_any(*access.HELP)
@require_GET
def help_request(request: HttpRequest, number: str) -> HttpResponse:
    return _render(request, number, "portal/requester/request.html")
