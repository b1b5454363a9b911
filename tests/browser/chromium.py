"""How every browser test and the screenshot script start Chromium and shape a context.

Playwright cannot download its own browsers here (no internet), so it drives
Debian's `chromium` package (`make chromium` installs it) with the flags
docs/verified.md lists.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path(os.environ.get("RULEDESK_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# ui.md: tables must stay readable at 1,366 px; that is the desktop we test at.
DESKTOP = {"width": 1366, "height": 768}
LOCALES = ("en", "pl")
THEMES = ("light", "dark")

Locale = Literal["en", "pl"]
Theme = Literal["light", "dark"]


def launch(playwright: Playwright) -> Browser:
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(
            f"{CHROMIUM} is missing: run `make chromium` (apt-get install -y chromium) "
            "or point RULEDESK_CHROMIUM at a Chromium binary"
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def context_options(
    *,
    locale: Locale = "en",
    color_scheme: Theme = "light",
    java_script: bool = True,
    base_url: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Keyword arguments for `Browser.new_context`.

    Playwright's `locale` sets both `navigator.language` and the Accept-Language
    header; `color_scheme` emulates `prefers-color-scheme`. Animations are
    reduced so screenshots and timings do not depend on when a transition ends.
    """
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {LOCALES}, not {locale!r}")
    if color_scheme not in THEMES:
        raise ValueError(f"color_scheme must be one of {THEMES}, not {color_scheme!r}")
    options: dict[str, Any] = {
        "locale": locale,
        "color_scheme": color_scheme,
        "java_script_enabled": java_script,
        "viewport": dict(DESKTOP),
        "reduced_motion": "reduce",
    }
    if base_url is not None:
        options["base_url"] = base_url
    options.update(extra)
    return options
