"""The composer: replies and internal notes, the Markdown preview, @mention suggestions.

A public reply that mentions someone or still holds a `{{placeholder}}` asks to confirm:
confirm.js asks in the browser; without scripts the server answers the form again with
a "send anyway" box. The draft always comes back in the form when anything is refused.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal import access
from portal.http import is_htmx, render_page
from portal.views.agent import workspace as ws
from ruledesk import errors
from ruledesk.markdown import render_markdown
from ruledesk.tenancy.models import User
from workflows import services
from workflows.collab import macros
from workflows.collab import selectors as desk
from workflows.models import Visibility
from workflows.services.comments import mentioned_users

BODY_MAX = 50_000


def needs_confirmation(body: str, organization_id: int) -> list[str]:
    """Why a public reply should be confirmed: mentions and unfilled placeholders."""
    reasons = []
    if mentioned_users(organization_id, body):
        reasons.append(_("It mentions someone, who will be notified."))
    if macros.PLACEHOLDER.search(body):
        reasons.append(_("It still holds a placeholder such as {{...}}."))
    return reasons


@access.requires_any(*access.DESK)
@require_POST
def comment(request: HttpRequest, number: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    ticket = ws.ticket_by_number(user, number)
    body = request.POST.get("body", "")[:BODY_MAX]
    visibility = request.POST.get("visibility", Visibility.PUBLIC)
    if visibility not in Visibility.values:
        visibility = Visibility.PUBLIC
    draft = {"draft_body": body, "draft_visibility": visibility}
    try:
        ws.check_fresh(request, ticket)
        if visibility == Visibility.PUBLIC and request.POST.get("confirmed") != "1":
            reasons = needs_confirmation(body, ticket.organization_id)
            if reasons:
                return _composer_again(request, ticket, draft, confirm=reasons)
        services.comment_create(actor=user, ticket=ticket, body=body, visibility=visibility)
    except errors.ApplicationError as exc:
        if is_htmx(request):
            return _composer_again(request, ticket, draft, refusal=exc)
        return ws.refused(request, ticket, exc, **draft)
    note = _("Internal note added.") if visibility == Visibility.INTERNAL else _("Reply sent.")
    if not is_htmx(request):
        return ws.changed(request, ticket, note)
    fresh = ws.ticket_by_number(user, number)
    ctx = ws.context(request, fresh, draft_visibility=visibility, sent=True)
    html = render_to_string("portal/agent/ticket/_composer.html", ctx, request=request)
    html += render_to_string("portal/agent/ticket/_workspace_oob.html", ctx, request=request)
    html += render_to_string(
        "portal/agent/ticket/_toast.html", {"note": note, "kind": "success"}, request=request
    )
    response = HttpResponse(html)
    response["Vary"] = "HX-Request"
    return response


def _composer_again(
    request: HttpRequest,
    ticket: object,
    draft: dict[str, str],
    *,
    confirm: list[str] | None = None,
    refusal: errors.ApplicationError | None = None,
) -> HttpResponse:
    """The composer with the draft kept: to confirm, or refused (stale, invalid, too fast)."""
    from portal.errors import message

    fresh = ws.ticket_by_number(request.user, str(ticket.number))  # type: ignore[arg-type, attr-defined]
    ctx = ws.context(request, fresh, confirm=confirm or [], **draft)
    if refusal is not None:
        ctx["composer_error"] = message(refusal)
    status = refusal.status if refusal is not None else 400
    if not is_htmx(request):
        return render_page(request, ws.PAGE, ctx, status=status)
    html = render_to_string("portal/agent/ticket/_composer.html", ctx, request=request)
    if refusal is not None:
        html += render_to_string("portal/agent/ticket/_workspace_oob.html", ctx, request=request)
    # Refusals still swap the composer (htmx-config swaps 4xx), so the draft stays in view.
    return HttpResponse(html, status=status, headers={"Vary": "HX-Request"})


@access.requires_any(*access.DESK)
@require_POST
def preview(request: HttpRequest, number: str) -> HttpResponse:
    """The draft rendered by the same sanitizer as stored comments; writes nothing."""
    ticket = ws.ticket_by_number(request.user, number)  # type: ignore[arg-type]
    body = request.POST.get("body", "")[:BODY_MAX]
    ctx = {"ticket": ticket, "preview_html": render_markdown(body) if body.strip() else ""}
    return render_page(
        request,
        "portal/agent/ticket/preview.html",
        ctx,
        fragment="portal/agent/ticket/_preview.html",
    )


@access.requires_any(*access.DESK)
@require_http_methods(["GET"])
def mentions(request: HttpRequest, number: str) -> HttpResponse:
    """People who may read a comment of the chosen visibility, matching what follows `@`."""
    user: User = request.user  # type: ignore[assignment]
    ticket = ws.ticket_by_number(user, number)
    visibility = request.GET.get("visibility", Visibility.PUBLIC)
    query = request.GET.get("mention", "")[:100]
    people = desk.mentionable(user, ticket, visibility, query)
    ctx = {"ticket": ticket, "people": people, "query": query}
    return render_page(
        request,
        "portal/agent/ticket/mentions.html",
        ctx,
        fragment="portal/agent/ticket/_mentions.html",
    )
