"""Web UI benchmark: full portal pages and htmx fragments on the ticket data set, c=1 (and 8).

    .venv/bin/python bench/portal.py [--tickets N] [--duration S] [--reuse | --fresh]

Reuses bench/tickets.py as a module: the same embedded PostgreSQL cluster under
``$RULEDESK_BENCH_DIR`` (default ``.local/bench``), the same data set (built once
for both benchmarks; ``--tickets`` / ``--fresh`` mean the same), the same
gunicorn (2 workers, production mode) and the same CPU accounting. On top it
runs ``collectstatic`` into the bench data directory (pages link WhiteNoise's
hashed names), gives the bench agent (agent1@northwind.test) in-app
notifications about real tickets, half of them unread, and signs the agent
and a requester in with database sessions (cookies, as a browser).

Latency is measured by the client (loopback round trip) and on the server
(gunicorn's request time, ``%(D)s`` in its access log, for the recorded
requests only); target P1 of the UI design is read on the server time, next to
the same run's floor (``/password-reset/sent`` anonymous: the whole stack and
the base template, no query). Query counts come from Django's test client
in-process (``force_login``), median of 3 after a warm-up request.

This is a benchmark, not a test: it prints figures and targets, it asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from importlib import import_module
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
# Run as a script, bench/ is first on sys.path and this file would shadow the `portal` app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BASE_DIR / "bench"]
sys.path.insert(0, str(BASE_DIR))

import django  # noqa: E402  (the package only: settings are read at setup, after `base`)
import psutil  # noqa: E402

# Importing it points this process at the bench cluster (environment set before Django).
from bench import tickets as base  # noqa: E402

NOTIFICATIONS = 200
NOTE_PREFIX = "bench-portal:"
REQUESTER_EMAIL = f"requester1@{base.ORGS[0][0]}.test"
AGENT_EMAIL = f"agent1@{base.ORGS[0][0]}.test"
PAGE_P95_MS = 80.0
FRAGMENT_P95_MS = 40.0
# gunicorn's access log, for the server-side time of each recorded request.
LOG_MARK = "bench-portal"
ACCESS_FORMAT = f'{LOG_MARK} %({{x-bench}}i)s %(s)s %(D)s "%(r)s"'
# What the in-app titles of each kind look like (ruledesk/notifications/defaults.py).
TITLES = {
    "ticket.created": "New ticket: {number}",
    "ticket.assigned": "Assigned to you: {number}",
    "ticket.replied": "New reply on {number}",
    "ticket.resolved": "Resolved: {number}",
    "comment.mentioned": "You were mentioned on {number}",
    "sla.warning": "SLA warning: {number}",
    "sla.breached": "SLA breached: {number}",
}
EVENTS = {
    "ticket.assigned": "ticket.updated",
    "ticket.replied": "comment.created",
    "ticket.resolved": "ticket.status_changed",
    "comment.mentioned": "comment.created",
}

log = base.log


@dataclass
class Page(base.Case):
    """One measured URL: who asks (a session, or anonymous) and whether htmx asks."""

    kind: str = "page"  # page, fragment, floor
    who: str = ""  # "agent", "requester" or "" (anonymous)
    htmx: bool = False
    conditional: bool = False  # sends the ETag of its first answer (the badge polling: 304)
    etag: str = ""


# --- Set-up ----------------------------------------------------------------------------


def dataset(tickets: int, fresh: bool) -> tuple[str, bool]:
    """bench/tickets.py's data set: reused when it holds `tickets`, else built (as its main)."""
    from django.core.management import call_command

    from ruledesk import embedded_db

    log(f"bench cluster: {base.BENCH_DIR / 'pg'}")
    socket_dir = embedded_db.ensure_server(str(base.BENCH_DIR / "pg"))
    existing = base._existing_dataset(socket_dir)
    reused = existing == tickets and not fresh
    if not reused:
        log(f"building a data set of {tickets:,} tickets (found: {existing})")
        base._recreate_database(socket_dir)
    call_command("migrate", "--noinput", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if not reused:
        base.seed(socket_dir, tickets)
    else:
        log(f"reusing the data set of {existing:,} tickets (--fresh rebuilds it)")
    return socket_dir, reused


def collect_static() -> None:
    """`collectstatic` into the bench data directory, unless its manifest is newer than every source.

    Compressing every file again (brotli, gzip) takes minutes on a busy 2-core machine.
    """
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / staticfiles_storage.manifest_name
    if manifest.exists():
        sources = (
            os.path.getmtime(storage.path(path))
            for finder in finders.get_finders()
            for path, storage in finder.list(["CVS", ".*", "*~"])
        )
        if max(sources, default=0.0) < manifest.stat().st_mtime:
            log(f"static files up to date in {settings.STATIC_ROOT}")
            return
    started = time.monotonic()
    call_command("collectstatic", "--noinput", verbosity=0)
    log(f"collectstatic into {settings.STATIC_ROOT} ({time.monotonic() - started:.1f} s)")


def seed_notifications(agent: Any, count: int, max_number: int) -> tuple[int, int]:
    """`count` in-app notifications for `agent` about real tickets, every other one unread."""
    from django.utils import timezone

    from ruledesk.notifications.models import Audience, Notification
    from workflows.models import Ticket
    from workflows.numbering import display_number

    Notification.objects.filter(recipient=agent, dedup_key__startswith=NOTE_PREFIX).delete()
    rng = random.Random(7)
    numbers = [rng.randrange(max_number) + 1 for _ in range(count)]
    found = dict(
        Ticket.objects.filter(organization_id=agent.organization_id, number__in=numbers)
        .values_list("number", "id")
        .iterator()
    )
    titles = dict(
        Ticket.objects.filter(organization_id=agent.organization_id, number__in=numbers)
        .values_list("number", "title")
        .iterator()
    )
    kinds = list(TITLES)
    now = timezone.now()
    slug = agent.organization.slug
    rows = []
    for i, number in enumerate(numbers):
        kind = kinds[i % len(kinds)]
        display = display_number(slug, number)
        created = now - timedelta(minutes=37 * i + rng.randrange(30))
        rows.append(
            Notification(
                organization_id=agent.organization_id,
                recipient=agent,
                event=EVENTS.get(kind, kind),
                kind=kind,
                title=TITLES[kind].format(number=display),
                body=titles.get(number, ""),
                ticket_id=found.get(number),
                ticket_number=display,
                audience=Audience.AGENT,
                read_at=None if i % 2 == 0 else created + timedelta(minutes=5),
                created_at=created,
                dedup_key=f"{NOTE_PREFIX}{i}:{agent.pk}:in_app",
            )
        )
    Notification.objects.bulk_create(rows)
    feed = Notification.objects.filter(recipient=agent)
    return feed.count(), feed.filter(read_at__isnull=True).count()


def session_for(user: Any) -> str:
    """A signed-in session as `django.contrib.auth.login` leaves it (the configured engine)."""
    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "ruledesk.tenancy.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


# --- Requests --------------------------------------------------------------------------


def get(
    port: int,
    case: Page,
    path: str,
    cookie: str,
    tag: str = "-",
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, bytes, http.client.HTTPResponse]:
    """GET `path` as a browser on HTTPS behind the proxy would (session cookie, htmx headers)."""
    headers = {
        "X-Forwarded-Proto": "https",
        "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
        "Accept-Language": "en",
        "X-Bench": tag,
    }
    if cookie:
        headers["Cookie"] = cookie
    if case.htmx:
        headers["HX-Request"] = "true"
        headers["HX-Current-URL"] = f"https://127.0.0.1{path}"
    if case.etag:
        headers["If-None-Match"] = case.etag
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers=headers)
    response = c.getresponse()
    data = response.read()
    if conn is None or response.will_close:
        c.close()
    return response.status, data, response


def check(port: int, cases: list[Page], cookies: dict[str, str]) -> None:
    """Every URL answers what it should before anything is measured; keeps the CSRF cookie."""
    for case in cases:
        path = case.make_path(random.Random(0))
        status, body, response = get(port, case, path, cookies[case.who])
        if status != case.expect:
            where = response.getheader("Location") or response.getheader("HX-Redirect") or ""
            raise SystemExit(
                f"{case.label}: GET {path} answered {status} {where}".rstrip()
                + f" (expected {case.expect}); see {base.BENCH_DIR / 'gunicorn.log'}"
            )
        html = body.lstrip()[:14].lower() == b"<!doctype html"
        if status == 200 and case.kind != "floor" and html == case.htmx:
            raise SystemExit(
                f"{case.label}: GET {path} answered a {'page' if html else 'fragment'}"
            )
        if case.who and status == 200 and case.kind == "page" and b"menu-who" not in body:
            raise SystemExit(f"{case.label}: GET {path} is not signed in")
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        if "csrftoken" in jar and "csrftoken=" not in cookies[case.who]:
            # A browser sends the CSRF cookie back; without it every page sets a new one.
            pair = f"csrftoken={jar['csrftoken'].value}"
            cookies[case.who] = f"{cookies[case.who]}; {pair}" if cookies[case.who] else pair


def measure(
    port: int,
    case: Page,
    cookie: str,
    concurrency: int,
    duration: float,
    warmup: float,
    app: psutil.Process,
    db: psutil.Process,
) -> base.Result:
    """bench/tickets.py's `measure`, with cookies instead of a token and a tag for the log."""
    result = base.Result(case, concurrency)
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency + 1)
    phase = {"record": False, "stop": False}
    tag = f"{case.key}/{concurrency}"

    def worker(n: int) -> None:
        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        errors = 0
        barrier.wait()
        while not phase["stop"]:
            path = case.make_path(rng)
            recording = phase["record"]
            t0 = time.perf_counter()
            try:
                status, _, _ = get(port, case, path, cookie, tag if recording else "-", conn)
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
            elapsed = (time.perf_counter() - t0) * 1000
            if recording and phase["record"]:
                if status == case.expect:
                    mine.append(elapsed)
                else:
                    errors += 1
        conn.close()
        with lock:
            result.latencies_ms.extend(mine)
            result.errors += errors

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    barrier.wait()
    time.sleep(warmup)
    app_before, db_before = base._cpu_seconds(app), base._cpu_seconds(db)
    phase["record"] = True
    started = time.perf_counter()
    time.sleep(duration)
    phase["record"] = False
    result.seconds = time.perf_counter() - started
    result.app_cpu_s = base._cpu_used(app_before, base._cpu_seconds(app))
    result.db_cpu_s = base._cpu_used(db_before, base._cpu_seconds(db))
    result.load = os.getloadavg()[0]
    phase["stop"] = True
    for t in threads:
        t.join()
    return result


def server_times(log_path: Path, offset: int) -> dict[str, list[float]]:
    """Server time (ms) of each recorded request by tag, from the access log after `offset`."""
    found: dict[str, list[float]] = {}
    if not log_path.exists():
        return found
    with log_path.open("rb") as f:
        f.seek(offset)
        for raw in f:
            parts = raw.decode(errors="replace").split(" ", 4)
            if len(parts) < 4 or parts[0] != LOG_MARK or parts[1] == "-":
                continue
            if parts[2] in ("200", "304"):
                found.setdefault(parts[1], []).append(int(parts[3]) / 1000)
    return found


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def query_counts(cases: list[Page], users: dict[str, Any]) -> dict[str, int]:
    """Queries per request through Django's test client (in-process, same database)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients: dict[str, Client] = {}
    for who, user in users.items():
        clients[who] = Client()
        if user is not None:
            clients[who].force_login(user, backend="ruledesk.tenancy.backends.ModelBackend")
    counts: dict[str, int] = {}
    for case in cases:
        client = clients[case.who]
        path = case.make_path(random.Random(0))
        headers = {"HX-Request": "true"} if case.htmx else {}
        if case.conditional:
            headers["If-None-Match"] = client.get(path, headers=headers).headers.get("ETag", "")
        client.get(path, headers=headers)  # warm per-process caches, as a running server has them
        seen = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as ctx:
                status = client.get(path, headers=headers).status_code
            if status != case.expect:
                log(f"  query count: GET {path} answered {status}")
            seen.append(len(ctx.captured_queries))
        counts[case.key] = sorted(seen)[1]
    return counts


# --- Report ----------------------------------------------------------------------------


def targets(results: dict[tuple[str, int], base.Result], srv: dict[str, list[float]]) -> list[str]:
    """P1 line by line on the server's p95 at c=1, each with its distance from the floor."""
    floor = results.get(("floor", 1))
    floor_p95 = pct(srv.get("floor/1", []), 95) if floor else float("nan")
    lines = [
        f"floor (GET /password-reset/sent, anonymous): server p95 {floor_p95:.1f} ms,"
        f" client p95 {floor.pct(95) if floor else float('nan'):.1f} ms"
    ]
    for (key, c), r in results.items():
        case: Page = r.case  # type: ignore[assignment]
        if c != 1 or case.kind not in ("page", "fragment"):
            continue
        limit = PAGE_P95_MS if case.kind == "page" else FRAGMENT_P95_MS
        p95 = pct(srv.get(f"{key}/1", []), 95)
        verdict = "met" if p95 <= limit else "MISSED"
        lines.append(
            f"{case.kind} p95 <= {limit:.0f} ms: {case.label}: {p95:.1f} ms"
            f" (floor {p95 - floor_p95:+.1f} ms; client {r.pct(95):.1f} ms)  [{verdict}]"
        )
    return lines


def print_report(
    results: dict[tuple[str, int], base.Result],
    srv: dict[str, list[float]],
    counts: dict[str, int],
    info: dict[str, Any],
) -> None:
    m = info["machine"]
    print()
    print(
        f"Ruledesk web UI benchmark, {info['date']} - {m['cpus']} CPUs ({m['cpu']}),"
        f" {m['ram']} RAM, {info['pg']}"
    )
    print(
        f"data set: {info['tickets']:,} tickets in 2 organizations"
        f"{' (reused)' if info['reused'] else ''}; {info['agent']}: {info['notifications']}"
        f" notifications ({info['unread']} unread); {info['requester']}:"
        f" {info['requester_tickets']} tickets"
    )
    print("gunicorn: 2 sync workers, RULEDESK_ENV=production, DEBUG off; client on the same host\n")
    header = (
        f"{'page':<46} {'kind':<8} {'c':>2} {'n':>5} {'p50':>6} {'p95':>6} {'p99':>6}"
        f" {'srv50':>6} {'srv95':>6} {'req/s':>6} {'err':>3} {'q':>3} {'app':>5} {'db':>5}"
        f" {'load':>4}"
    )
    print(header)
    print("-" * len(header))
    for (key, c), r in results.items():
        case: Page = r.case  # type: ignore[assignment]
        times = srv.get(f"{key}/{c}", [])
        print(
            f"{case.label:<46} {case.kind:<8} {c:>2} {len(r.latencies_ms):>5}"
            f" {r.pct(50):>6.1f} {r.pct(95):>6.1f} {r.pct(99):>6.1f}"
            f" {pct(times, 50):>6.1f} {pct(times, 95):>6.1f} {r.rps:>6.1f} {r.errors:>3}"
            f" {counts.get(key, '?'):>3} {r.cpu_ms(r.app_cpu_s):>5.1f} {r.cpu_ms(r.db_cpu_s):>5.1f}"
            f" {r.load:>4.1f}"
        )
    print(
        "(ms; p50/p95/p99: client round trip on loopback; srv50/srv95: gunicorn's request time"
        " from its\n access log; q: SQL queries per request; app/db: CPU ms per request of the"
        " gunicorn workers\n and of PostgreSQL; load: 1-minute load average at the end)"
    )
    print(f"\nTargets (P1 of the UI design, {info['tickets']:,} tickets, server time, c=1):")
    for line in targets(results, srv):
        print(f"  {line}")


# --- Main ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before recording")
    parser.add_argument("--concurrency", default="1", help="comma-separated levels, e.g. 1,8")
    parser.add_argument("--only", default="", help="comma-separated page keys to run")
    parser.add_argument("--notifications", type=int, default=NOTIFICATIONS)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--reuse", dest="fresh", action="store_false", help="(default)")
    group.add_argument("--fresh", dest="fresh", action="store_true", help="rebuild the data set")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        help="before each measurement, wait up to this many seconds for a 1-min load below 1",
    )
    parser.add_argument("--pg-options", default="", help="libpq options for the server")
    parser.set_defaults(fresh=False)
    args = parser.parse_args()

    (base.BENCH_DIR / "static").mkdir(parents=True, exist_ok=True)
    (base.BENCH_DIR / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    django.setup()
    from django.conf import settings
    from django.db import connection

    from ruledesk.tenancy.models import User
    from workflows.models import Ticket
    from workflows.numbering import display_number

    socket_dir, reused = dataset(args.tickets, args.fresh)
    collect_static()

    agent = User.objects.select_related("organization").get(email=AGENT_EMAIL)
    requester = User.objects.get(email=REQUESTER_EMAIL)
    slug = agent.organization.slug
    org_tickets = Ticket.objects.filter(organization_id=agent.organization_id)
    max_number = int(org_tickets.order_by("-number").values_list("number", flat=True)[0])
    own = list(
        org_tickets.filter(requester=requester).order_by("-number").values_list("number", flat=True)
    )
    notifications, unread = seed_notifications(agent, args.notifications, max_number)
    log(f"{AGENT_EMAIL}: {notifications} notifications, {unread} unread")

    def desk_ticket(rng: random.Random) -> str:
        return f"/desk/tickets/{display_number(slug, rng.randrange(max_number) + 1)}"

    def help_request(rng: random.Random) -> str:
        return f"/help/requests/{display_number(slug, rng.choice(own))}"

    def fixed(path: str) -> Any:
        return lambda rng: path

    cases = [
        Page("floor", "GET /password-reset/sent (floor)", "GET", fixed("/password-reset/sent"),
             kind="floor"),
        Page("healthz", "GET /healthz (non-HTML floor)", "GET", fixed("/healthz"), kind="floor"),
        Page("desk", "GET /desk/", "GET", fixed("/desk/"), who="agent"),
        Page("desk_filtered", "GET /desk/?priority=critical,high&sla=breached", "GET",
             fixed("/desk/?priority=critical,high&sla=breached"), who="agent"),
        Page("desk_search", "GET /desk/?status=&q=printer", "GET",
             fixed("/desk/?status=&q=printer"), who="agent"),
        Page("desk_poll", "GET /desk/ (hx, list body)", "GET", fixed("/desk/"),
             kind="fragment", who="agent", htmx=True),
        Page("center", "GET /notifications", "GET", fixed("/notifications"), who="agent"),
        Page("center_unread", "GET /notifications?state=unread", "GET",
             fixed("/notifications?state=unread"), who="agent"),
        Page("account", "GET /account", "GET", fixed("/account"), who="agent"),
        Page("ticket", "GET /desk/tickets/NORTHWIND-{n} (random)", "GET", desk_ticket,
             who="agent"),
        Page("request", "GET /help/requests/NORTHWIND-{n} (requester)", "GET", help_request,
             who="requester"),
        Page("badge", "GET /notifications/unread (hx)", "GET", fixed("/notifications/unread"),
             kind="fragment", who="agent", htmx=True),
        Page("badge_304", "GET /notifications/unread (hx, 304)", "GET",
             fixed("/notifications/unread"), expect=304, kind="fragment", who="agent",
             htmx=True, conditional=True),
        Page("feed_unread", "GET /notifications?state=unread (hx)", "GET",
             fixed("/notifications?state=unread"), kind="fragment", who="agent", htmx=True),
        Page("board", "GET /desk/board", "GET", fixed("/desk/board"), who="agent"),
        Page("board_filtered", "GET /desk/board?priority=critical", "GET",
             fixed("/desk/board?priority=critical"), who="agent"),
        Page("board_column", "GET /desk/board/column/open (hx)", "GET",
             fixed("/desk/board/column/open"), kind="fragment", who="agent", htmx=True),
        Page("dashboard", "GET /desk/dashboard", "GET", fixed("/desk/dashboard"), who="agent"),
        Page("new_ticket", "GET /desk/tickets/new", "GET", fixed("/desk/tickets/new"),
             who="agent"),
        Page("requesters", "GET /desk/tickets/new/options/requester?requester_q=a (hx)", "GET",
             fixed("/desk/tickets/new/options/requester?requester_q=a"), kind="fragment",
             who="agent", htmx=True),
        Page("ticket_hx", "GET /desk/tickets/NORTHWIND-{n}?tab=history (hx)", "GET",
             lambda rng: desk_ticket(rng) + "?tab=history", kind="fragment", who="agent",
             htmx=True),
        Page("pick_assignee", "GET /desk/tickets/NORTHWIND-{n}/pick/assignee?q=a (hx)", "GET",
             lambda rng: desk_ticket(rng) + "/pick/assignee?q=a", kind="fragment", who="agent",
             htmx=True),
    ]  # fmt: skip
    if not own:
        log(f"{REQUESTER_EMAIL} has no ticket: the help-center page is left out")
        cases = [c for c in cases if c.key != "request"]
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c in cases if c.key in wanted]

    log("counting queries per request (Django test client, same database)")
    counts = query_counts(cases, {"": None, "agent": agent, "requester": requester})
    connection.close()

    results: dict[tuple[str, int], base.Result] = {}
    levels = [int(c) for c in args.concurrency.split(",")]
    postmaster = psutil.Process(
        int((base.BENCH_DIR / "pg" / "postmaster.pid").read_text().split()[0])
    )
    access_log = base.BENCH_DIR / "gunicorn-access.log"
    offset = access_log.stat().st_size if access_log.exists() else 0
    os.environ["GUNICORN_CMD_ARGS"] = f"--access-logformat '{ACCESS_FORMAT}'"
    try:
        with base.gunicorn(socket_dir, args.pg_options) as (port, app):
            # Sessions are signed with the server's key (bench/tickets.py draws one per run).
            settings.SECRET_KEY = app.environ()["SECRET_KEY"]
            cookies = {
                "": "",
                "agent": f"sessionid={session_for(agent)}",
                "requester": f"sessionid={session_for(requester)}",
            }
            connection.close()
            for case in cases:
                if case.conditional:
                    path = case.make_path(random.Random(0))
                    _, _, response = get(port, case, path, cookies[case.who])
                    case.etag = response.getheader("ETag") or ""
            check(port, cases, cookies)
            log(f"gunicorn on 127.0.0.1:{port}; {args.duration:g} s per measurement")
            for case in cases:
                for c in levels:
                    if args.wait_idle:
                        base.wait_idle(args.wait_idle)
                    r = measure(
                        port, case, cookies[case.who], c, args.duration, args.warmup, app,
                        postmaster,
                    )  # fmt: skip
                    results[(case.key, c)] = r
                    log(
                        f"  {case.label} c={c}: p50 {r.pct(50):.1f} ms, {r.rps:.0f} req/s,"
                        f" {r.errors} errors, load {r.load:.1f}"
                    )
    finally:
        os.environ.pop("GUNICORN_CMD_ARGS", None)
    srv = server_times(access_log, offset)

    with base._connect(socket_dir, autocommit=True) as conn:
        pg_version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        total = int(conn.execute("SELECT count(*) FROM workflows_ticket").fetchone()[0])  # type: ignore[index]
    info = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": base.machine(),
        "pg": f"PostgreSQL {pg_version}",
        "tickets": total,
        "reused": reused,
        "agent": AGENT_EMAIL,
        "notifications": notifications,
        "unread": unread,
        "requester": REQUESTER_EMAIL,
        "requester_tickets": len(own),
    }
    print_report(results, srv, counts, info)
    if args.json:
        rows = []
        for (key, c), r in results.items():
            case: Page = r.case  # type: ignore[assignment]
            times = srv.get(f"{key}/{c}", [])
            rows.append(
                {
                    "page": key,
                    "label": case.label,
                    "kind": case.kind,
                    "concurrency": c,
                    "n": len(r.latencies_ms),
                    "p50_ms": r.pct(50),
                    "p95_ms": r.pct(95),
                    "p99_ms": r.pct(99),
                    "server_n": len(times),
                    "server_p50_ms": pct(times, 50),
                    "server_p95_ms": pct(times, 95),
                    "server_p99_ms": pct(times, 99),
                    "rps": r.rps,
                    "errors": r.errors,
                    "queries": counts.get(key),
                    "app_cpu_ms": r.cpu_ms(r.app_cpu_s),
                    "db_cpu_ms": r.cpu_ms(r.db_cpu_s),
                    "load": r.load,
                    "mean_ms": statistics.fmean(r.latencies_ms) if r.latencies_ms else None,
                }
            )
        report = {"info": info, "results": rows, "targets": targets(results, srv)}
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
