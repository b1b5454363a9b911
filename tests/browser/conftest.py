"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

    def test_desk(new_page, agent):
        page = new_page(user=agent, locale="pl", color_scheme="dark")
        page.goto("/desk/")

Every test here is marked `browser` and `xdist_group("browser")` automatically,
so `pytest -n 2 --dist loadgroup` runs them on one worker with one Chromium.

Why the browser is package-scoped, not session-scoped: while Playwright's sync
API is started, the thread has a running asyncio loop. Django then refuses ORM
calls (SynchronousOnlyOperation) unless DJANGO_ALLOW_ASYNC_UNSAFE is set, and
`asyncio.run()` fails outright, which the async tests elsewhere in the suite
use. So the browser lives exactly as long as this package's tests on a worker,
and DJANGO_ALLOW_ASYNC_UNSAFE is set for that span only. Playwright's loop
does not run while the test's own code does (it only runs inside a Playwright
call), so the ORM is not actually used concurrently.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from ruledesk.tenancy.models import User
from tests.browser import chromium
from tests.browser.checks import VITALS_INIT_SCRIPT

HERE = Path(__file__).resolve().parent
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
TIMEOUT_MS = 10_000  # Playwright's 30 s default makes a broken page slow to report

ContextFactory = Callable[..., BrowserContext]
PageFactory = Callable[..., Page]
LoginAs = Callable[[BrowserContext, User], None]


def _is_browser_test(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    """Mark browser tests before any plugin reads marks; fix their xdist group after.

    The fix: xdist's loadgroup scheduler groups by an `@group` suffix that it
    writes into `item._nodeid`, but pytest 9.2 reads node ids from `item._id`,
    so the suffix is lost and every xdist_group mark is silently ignored
    (pytest-dev/pytest-xdist#1386; fix proposed in #1388). Until that ships,
    write the suffix where pytest reads it, for browser tests only. It is a
    no-op once xdist does it, and without `--dist loadgroup`.
    """
    browser_items = [item for item in items if _is_browser_test(item)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group("browser"))
    result = yield
    if getattr(config.option, "loadgroup", False):
        for item in browser_items:
            nodeid = item.nodeid
            if nodeid.rfind("@") > nodeid.rfind("]"):
                continue  # xdist did it
            groups = sorted(
                {
                    str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                    for m in item.iter_markers("xdist_group")
                }
            )
            suffixed = f"{nodeid}@{'_'.join(groups)}"
            if hasattr(item, "_id"):  # pytest >= 9.2
                from _pytest.nodeid import NodeId

                item._id = NodeId.parse(suffixed)
            else:
                item._nodeid = suffixed  # type: ignore[attr-defined]
    return result


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for this package's tests on this worker (see the module docstring)."""
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        launched = chromium.launch(playwright)
        try:
            yield launched
        finally:
            launched.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """pytest-django's live server, with static files served as in production.

    Its default static handler serves `/static/` from the finders, which know
    only unhashed names, so every hashed URL the manifest storage writes would
    404. Without it, requests reach WhiteNoise, which serves the collected,
    hashed and compressed files (`make static`), exactly as gunicorn does.
    """
    server = LiveServer("localhost", start=False)
    # django-stubs types static_handler as a handler class; Django only ever calls it with the
    # application to wrap, so the identity function is what it accepts at runtime.
    server.thread.static_handler = lambda handler: handler  # type: ignore[assignment]
    server.start()
    yield server
    server.stop()


@pytest.fixture
def login_as(live_server: LiveServer) -> LoginAs:
    """`login_as(context, user)`: a real Django session for `user`, its cookie on the context."""

    def login(context: BrowserContext, user: User) -> None:
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        # What django.contrib.auth.login() stores (the test client's force_login does the same).
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.save()
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": store.session_key,
                    "url": live_server.url,
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )

    return login


@pytest.fixture
def new_context(
    browser: Browser, live_server: LiveServer, transactional_db: None, login_as: LoginAs
) -> Iterator[ContextFactory]:
    """`new_context(locale="en", color_scheme="light", user=None, java_script=True, **options)`.

    A context on the live server (relative URLs work in `page.goto`), with
    Accept-Language and the `django_language` cookie for `locale`,
    `prefers-color-scheme` emulated for `color_scheme`, the vitals observer
    installed, and — with `user` — signed in as that user, whose own language
    setting is set to `locale` first (a signed-in user's setting wins over the
    browser's). Closed after the test. Extra options go to `Browser.new_context`.
    """
    made: list[BrowserContext] = []

    def make(
        *,
        locale: chromium.Locale = "en",
        color_scheme: chromium.Theme = "light",
        user: User | None = None,
        java_script: bool = True,
        **options: Any,
    ) -> BrowserContext:
        context = browser.new_context(
            **chromium.context_options(
                locale=locale,
                color_scheme=color_scheme,
                java_script=java_script,
                base_url=live_server.url,
                **options,
            )
        )
        made.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(VITALS_INIT_SCRIPT)
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": locale, "url": live_server.url}]
        )
        if user is not None:
            if user.locale != locale:
                User.objects.filter(pk=user.pk).update(locale=locale)
                user.locale = locale
            login_as(context, user)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def new_page(new_context: ContextFactory) -> PageFactory:
    """`new_page(**same as new_context)`: a fresh page in a fresh context."""

    def make(**options: Any) -> Page:
        return new_context(**options).new_page()

    return make


@pytest.fixture
def no_js_context(new_context: ContextFactory) -> ContextFactory:
    """`no_js_context(user=..., locale=...)`: a context with JavaScript off (target R1)."""

    def make(**options: Any) -> BrowserContext:
        return new_context(java_script=False, **options)

    return make


@pytest.fixture
def harness_urls(settings: Any) -> None:
    """Serve tests/browser/harness_urls.py (the product's routes + test-only pages)."""
    settings.ROOT_URLCONF = "tests.browser.harness_urls"
