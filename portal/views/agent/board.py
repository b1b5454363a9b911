"""The Kanban board: a keyset-paged column per status, filtered like the list; a drop, the
"Move to…" menu and the keyboard move all post to `move`, which takes the transition.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import access
from portal.errors import error_response, message
from portal.http import is_htmx, render_page, safe_next
from portal.viewmodels import board as vm
from portal.views.agent.names import filter_names
from ruledesk import errors
from ruledesk.tenancy.models import User
from workflows import board, selectors, ticket_filters
from workflows.models import Status, Ticket

PAGE = 15


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _moves(actor: User) -> dict[str, list[vm.Move]]:
    return {status: vm.move_labels(specs) for status, specs in board.moves_by_status(actor).items()}


def _shown(filters: dict[str, str]) -> list[str]:
    chosen = set(filters.get("status", "").split(","))
    return [status for status in board.COLUMNS if not filters.get("status") or status in chosen]


def _column_views(
    actor: User, filters: dict[str, str], statuses: list[str], cursor: str | None
) -> list[vm.ColumnView]:
    tickets = ticket_filters.apply(selectors.tickets_visible_to(actor), filters, actor)
    ordering = ticket_filters.ordering(filters)
    pages = [
        board.column(tickets, status, ordering, cursor=cursor, size=PAGE) for status in statuses
    ]
    found = selectors.page_rows(
        [Ticket(pk=pk) for column in pages for pk in column.ids]  # ids only, in board order
    )
    rows = {row["id"]: row for row in found.rows}
    moves = _moves(actor)
    slug = access.member_organization(actor).slug
    views = []
    for column in pages:
        base = reverse("portal:desk-board-column", args=[column.status])
        more = base + vm.query(filters, cursor=column.next) if column.next else None
        views.append(
            vm.ColumnView(
                status=column.status,
                label=str(Status(column.status).label),
                cards=vm.cards(column.ids, rows, found.tags, slug, moves),
                more_url=more,
                page_url=more,
            )
        )
    return views


def _card_context() -> dict[str, object]:
    return {"labels": vm.card_labels(), "move_url": reverse("portal:desk-board-move")}


@access.requires_any(*access.DESK)
@require_GET
def board_page(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = vm.filters_of(request.GET)
    columns = _column_views(actor, filters, _shown(filters), None)
    context = {
        "columns": columns,
        "chips": vm.chips(filters, filter_names(actor, filters)),
        "list_url": reverse("portal:desk-home") + vm.query(filters),
        "here": request.get_full_path(),
        "statuses": [(c.status, c.label) for c in columns],
        **_card_context(),
    }
    return render_page(request, "portal/agent/board.html", context)


@access.requires_any(*access.DESK)
@require_GET
def board_column(request: HttpRequest, status: str) -> HttpResponse:
    """The next page of one column: cards for htmx's "load more", a page of its own without."""
    if status not in board.COLUMNS:
        raise errors.NotFound()
    actor = _actor(request)
    filters = vm.filters_of(request.GET)
    [column] = _column_views(actor, filters, [status], request.GET.get("cursor") or None)
    board_url = reverse("portal:desk-board") + vm.query(filters)
    context = {
        "column": column,
        "board_url": board_url,
        "here": request.get_full_path(),
        "standalone": not is_htmx(request),
        **_card_context(),
    }
    return render_page(
        request,
        "portal/agent/board_column.html",
        context,
        fragment="portal/agent/_board_more.html",
    )


class MoveForm(forms.Form):
    number = forms.CharField(max_length=40)
    seen = forms.ChoiceField(choices=Status.choices)
    to = forms.ChoiceField(choices=Status.choices)


def _ticket(actor: User, number: str) -> Ticket:
    digits = number.rsplit("-", 1)[-1].lstrip("#")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:
        raise errors.NotFound()
    ticket = selectors.tickets_visible_to(actor).filter(number=int(digits)).first()
    if ticket is None:
        raise errors.NotFound()
    return ticket


@require_POST
@access.requires_any(*access.DESK)
def move(request: HttpRequest) -> HttpResponse:
    """Take the transition to the chosen column; under htmx the re-rendered card or, when
    refused, a toast with the reason (status 4xx) so board.js puts the card back."""
    actor = _actor(request)
    back = safe_next(request, request.POST.get("next"), reverse("portal:desk-board"))
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise errors.ValidationFailed(_("Choose a ticket and a column."))
    ticket = _ticket(actor, form.cleaned_data["number"])
    target = form.cleaned_data["to"]
    label = Status(target).label
    try:
        moved = board.ticket_move(
            actor=actor, ticket=ticket, seen_status=form.cleaned_data["seen"], target=target
        )
    except errors.ApplicationError as exc:
        if isinstance(exc, errors.NotFound):
            raise
        if is_htmx(request):
            return error_response(request, exc.status, message(exc))
        messages.error(request, message(exc))
        return HttpResponseRedirect(back)
    done = _("%(number)s moved to %(status)s.") % {
        "number": form.cleaned_data["number"],
        "status": label,
    }
    if not is_htmx(request):
        messages.success(request, done)
        return HttpResponseRedirect(back)
    found = selectors.ticket_row(actor, moved.pk)
    rows = {row["id"]: row for row in found.rows}
    [card] = vm.cards(
        [moved.pk],
        rows,
        found.tags,
        access.member_organization(actor).slug,
        _moves(actor),
    )
    return render_page(
        request,
        "portal/agent/_board_moved.html",
        {"card": card, "done": done, "here": back, **_card_context()},
        fragment="portal/agent/_board_moved.html",
    )
