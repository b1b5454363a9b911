"""`make screenshots`: PNGs of the main pages in both languages and both themes.

    make screenshots                               # every entry
    make screenshots SCREENSHOTS_ARGS="--only login --out /tmp/shots"

The Makefile target migrates and runs `seed_demo` first; this script starts
`manage.py runserver --noreload` on a free port against that data, signs each
persona in with a session made here (no login form in the way), and saves
`docs/screenshots/<name>-<lang>-<theme>.png` at 1,366 x 768. A page answering
4xx/5xx is not saved, and fails the run once the other shots are taken.

Add an entry per main page: (name, URL path, persona e-mail or None for
anonymous). Demo personas (password demo-password-123) are admin, agent,
agent2, requester and requester2 @acme.test / @globex.test.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]


class Shot(NamedTuple):
    name: str
    path: str
    persona: str | None  # e-mail of the signed-in user; None for anonymous
    ready: str | None = None  # a selector to wait for when the page renders after load


# (name, URL path, persona e-mail or None[, selector to wait for]) -> <name>-<lang>-<theme>.png
ENTRIES: list[tuple[str, str, str | None] | tuple[str, str, str | None, str]] = [
    ("login", "/login", None),
    ("password-reset", "/password-reset", None),
    ("desk-home", "/desk/", "agent@acme.test"),
    ("ticket-agent", "/desk/tickets/ACME-1", "agent@acme.test"),
    ("help-home", "/help/", "requester@acme.test"),
    ("request-requester", "/help/requests/ACME-1", "requester@acme.test"),
    ("console-home", "/console/", "admin@acme.test"),
    ("notifications", "/notifications", "requester@acme.test"),
    ("account", "/account", "agent@acme.test"),
]
START_SECONDS = 60.0


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, log_path: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"runserver exited with {server.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310 - loopback
                return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"runserver did not answer /healthz within {START_SECONDS:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def session_for(email: str) -> str:
    """A signed-in session for the persona, stored the way django.contrib.auth.login stores it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from ruledesk.tenancy.models import User

    user = User.objects.filter(email=email).first()
    if user is None:
        raise SystemExit(f"no user {email}: run `manage.py seed_demo` (make screenshots does)")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return str(store.session_key)


def prepare_personas(emails: set[str], locale: str) -> dict[str, dict[str, str]]:
    """Give the personas this language and a theme that follows the browser; the old values.

    A signed-in user's own language (and theme, where the model has one) wins
    over the browser's, so each shot's language and theme are set on the user.
    """
    from ruledesk.tenancy.models import User

    names = {field.name for field in User._meta.get_fields()}
    wanted = {"locale": locale} | ({"theme": "system"} if "theme" in names else {})
    users = User.objects.filter(email__in=emails)
    previous = {u.email: {name: getattr(u, name) for name in wanted} for u in users}
    users.update(**wanted)
    return previous


def restore_personas(previous: dict[str, dict[str, str]]) -> None:
    from ruledesk.tenancy.models import User

    for email, values in previous.items():
        User.objects.filter(email=email).update(**values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", help="entry names to take (default: all)")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not 1,366x768")
    args = parser.parse_args(argv)
    shots = [Shot(*entry) for entry in ENTRIES]
    entries = [shot for shot in shots if not args.only or shot.name in args.only]
    if not entries:
        parser.error(f"no entry named {args.only}; known: {[shot.name for shot in shots]}")

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruledesk.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from playwright.sync_api import sync_playwright

    from tests.browser import chromium

    # Hold the embedded PostgreSQL here (as ruledesk.runner does), so it outlives runserver.
    connection.ensure_connection()
    # ORM calls between Playwright calls: this process is only this script, so allowing
    # them beside Playwright's event loop is safe (nothing else runs on that loop).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    personas = {shot.persona for shot in entries if shot.persona}
    sessions = {email: session_for(email) for email in personas}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, Path(settings.DATA_DIR) / "screenshots-server.log")
    args.out.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    previous: dict[str, dict[str, str]] = {}
    try:
        with sync_playwright() as playwright:
            browser = chromium.launch(playwright)
            for locale in chromium.LOCALES:
                previous = {**prepare_personas(personas, locale), **previous}
                for name, path, email, ready in entries:
                    for theme in chromium.THEMES:
                        context = browser.new_context(
                            **chromium.context_options(
                                locale=locale,  # type: ignore[arg-type]
                                color_scheme=theme,  # type: ignore[arg-type]
                                base_url=base,
                            )
                        )
                        cookies = [
                            {"name": settings.LANGUAGE_COOKIE_NAME, "value": locale, "url": base}
                        ]
                        if email:
                            cookies.append(
                                {
                                    "name": settings.SESSION_COOKIE_NAME,
                                    "value": sessions[email],
                                    "url": base,
                                }
                            )
                        context.add_cookies(cookies)  # type: ignore[arg-type]
                        page = context.new_page()
                        response = page.goto(path, wait_until="networkidle")
                        if ready:
                            page.locator(ready).first.wait_for(timeout=30_000)
                        page.evaluate("() => document.fonts.ready.then(() => true)")
                        target = args.out / f"{name}-{locale}-{theme}.png"
                        status = response.status if response else 0
                        if 200 <= status < 400:
                            page.screenshot(
                                path=target,
                                full_page=args.full_page,
                                animations="disabled",
                                caret="hide",
                            )
                            say(f"saved {target}")
                        else:  # never replace a good picture with an error page
                            failures.append(f"{target.name}: {path} answered {status}")
                        context.close()
            browser.close()
    finally:
        stop_server(server)
        restore_personas(previous)
    for failure in failures:
        say(f"FAILED {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
