"""Desk views that work one ticket (routes in portal/urls_desk_ticket.py)."""
