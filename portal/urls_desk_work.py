"""Desk routes for the work around the list: board, new ticket, dashboard, shortcut sheet.

Listed before the other desk modules in `portal/urls.py`: `desk/tickets/new` must win
over `desk/tickets/<number>`.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from portal.views.agent import board, dashboard, new_ticket

urlpatterns: list[URLPattern] = [
    path("desk/board", board.board_page, name="desk-board"),
    path("desk/board/column/<str:status>", board.board_column, name="desk-board-column"),
    path("desk/board/move", board.move, name="desk-board-move"),
    path("desk/dashboard", dashboard.dashboard, name="desk-dashboard"),
    path("desk/shortcuts", dashboard.shortcuts, name="desk-shortcuts"),
    path("desk/tickets/new", new_ticket.new_ticket, name="desk-ticket-new"),
    path(
        "desk/tickets/new/options/<str:kind>",
        new_ticket.options,
        name="desk-ticket-new-options",
    ),
]
