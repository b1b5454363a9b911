"""`{% attachments_panel ticket %}`: the ticket's attachments and the upload form."""

from __future__ import annotations

from typing import Any

from django import template

from portal.views.attachments import panel_context

register = template.Library()


@register.inclusion_tag("portal/attachments/_panel.html", takes_context=True)
def attachments_panel(
    context: template.Context, ticket: Any, visibility: str = "public", lazy: bool = False
) -> dict[str, Any]:
    panel = panel_context(context["request"].user, ticket, visibility or "public", lazy=lazy)
    panel["request"] = context["request"]
    panel["csrf_token"] = context.get("csrf_token")
    return panel
