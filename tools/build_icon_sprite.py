"""Rebuild portal/static/portal/icons/sprite.svg from the lucide-static npm package.

The sprite is committed; run this only to add an icon:

    npm pack lucide-static@1.62.0 && mkdir lucide && tar xzf lucide-static-1.62.0.tgz -C lucide
    python tools/build_icon_sprite.py lucide/package/icons

Templates use an icon as `{% icon "bell" %}` (portal/templatetags/portal.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

NAMES = [
    "bell",
    "search",
    "user",
    "log-out",
    "sun",
    "moon",
    "monitor",
    "check",
    "check-check",
    "x",
    "languages",
    "inbox",
    "ticket",
    "settings",
    "circle-alert",
    "info",
    "menu",
    "chevron-left",
    "chevron-right",
    "keyboard",
    "life-buoy",
    "layout-dashboard",
    "shield",
    "key-round",
    "mail",
]
TARGET = Path(__file__).resolve().parent.parent / "portal/static/portal/icons/sprite.svg"
SYMBOL = (
    '<symbol id="i-{name}" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">{body}</symbol>'
)


def build(source: Path) -> str:
    lines = [
        '<svg xmlns="http://www.w3.org/2000/svg">',
        "<!-- Lucide icons (lucide-static 1.62.0, ISC licence: lucide.LICENSE.txt). -->",
    ]
    for name in NAMES:
        text = (source / f"{name}.svg").read_text()
        match = re.search(r"<svg[^>]*>(.*)</svg>", text, re.S)
        if match is None:
            raise SystemExit(f"{name}.svg has no <svg> element")
        lines.append(SYMBOL.format(name=name, body=re.sub(r"\s*\n\s*", "", match.group(1))))
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TARGET.write_text(build(Path(sys.argv[1])))
