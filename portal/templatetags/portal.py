"""Small template helpers of the shell."""

from __future__ import annotations

import functools

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()


@functools.cache
def _sprite() -> str:
    """The sprite's hashed URL: fixed for the life of the process (collectstatic restarts it)."""
    return static("portal/icons/sprite.svg")


@register.simple_tag
def icon(name: str, label: str = "") -> str:
    """An icon from the vendored sprite; decorative unless given a label."""
    href = f"{_sprite()}#i-{name}"
    if label:
        return format_html(
            '<svg class="icon" role="img" aria-label="{}"><use href="{}"></use></svg>', label, href
        )
    return format_html(
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="{}"></use></svg>', href
    )
