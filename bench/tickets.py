"""Ticket API benchmark: N tickets via COPY, gunicorn (2 workers), latency at c=1 and c=8.

    .venv/bin/python bench/tickets.py [--tickets N] [--duration S] [--reuse | --fresh]

The data set lives in its own embedded PostgreSQL cluster under
``$RULEDESK_BENCH_DIR`` (default ``.local/bench``), never the dev/test one. It
is reused when a previous run loaded the same N (the ``bench_dataset`` marker
table); ``--fresh`` drops and rebuilds it.

Reference data (organizations, users, teams, categories, tags, API tokens) is
created through the real services; tickets, tags-on-tickets and comments are
streamed with COPY. Search vectors are computed in SQL with the same expression
as ``workflows/search.py`` while moving each chunk from a staging table.

This is a benchmark, not a test: it prints figures and targets, it asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("RULEDESK_BENCH_DIR", str(BASE_DIR / ".local" / "bench"))).resolve()
DB_NAME = "ruledesk"
SEARCH_WORD = "printer"
ORGS = (("northwind", "Northwind Traders"), ("contoso", "Contoso Ltd"))
AGENTS_PER_ORG = 24
REQUESTERS_PER_ORG = 400
COMMENTS_PER_TICKET = 5
CHUNK = 20_000

# The process runs Django against the bench cluster only (set before Django is imported).
os.environ["RULEDESK_DATA_DIR"] = str(BENCH_DIR)
os.environ["XDG_RUNTIME_DIR"] = str(BENCH_DIR / "run")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("RULEDESK_ENV", None)
# The in-process query counts share the rate-limit counters with the server's creates.
os.environ["RULEDESK_RATE_WRITES_PER_MIN"] = "100000000"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruledesk.settings")
sys.path.insert(0, str(BASE_DIR))

import django  # noqa: E402
import psutil  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

# --- Text vocabulary ----------------------------------------------------------------

ISSUES = (
    "Cannot log in to the VPN",
    "Laptop battery drains overnight",
    "Printer prints blank pages",
    "Password reset link expired",
    "Outlook keeps asking for credentials",
    "Monitor flickers after docking",
    "Request for a new keyboard",
    "Shared drive is read-only",
    "Wi-Fi drops during video calls",
    "Invoice PDF will not open",
    "Access request for the finance dashboard",
    "Phone does not sync the calendar",
    "Software licence renewal",
    "Slow network in the meeting room",
    "Two-factor codes rejected",
    "New starter needs an account",
    "Leaver account should be disabled",
    "Microphone not detected in calls",
    "Excel macro crashes on open",
    "Cannot install the CRM plugin",
    "Backup job failed overnight",
    "Disk space warning on the file server",
    "Badge reader rejects my card",
    "Projector shows no signal",
    "Email bounced from a customer domain",
    "Website contact form returns an error",
    "Database report times out",
    "Timesheet app shows wrong hours",
    "Headset crackles on calls",
    "Browser blocks the intranet certificate",
    "Request admin rights for a tool",
    "Docking station not charging",
    "Scanner sends files to the wrong folder",
    "Mailbox is full",
    "Calendar invites arrive twice",
    "Payroll export missing rows",
    "VPN slow from home",
    "Laptop fan is very loud",
    "Cannot print from the mobile app",
    "Keyboard layout switched to US",
)
PLACES = (
    "Warsaw office",
    "Berlin office",
    "floor 2",
    "floor 3",
    "reception",
    "warehouse",
    "sales team",
    "finance",
    "HR",
    "home office",
    "meeting room Oak",
    "meeting room Birch",
    "night shift",
    "London branch",
    "support desk",
)
INTROS = (
    "Since this morning the problem keeps coming back.",
    "This started after yesterday's update.",
    "It happens a few times a day, usually after lunch.",
    "Several colleagues on my floor see the same thing.",
    "I noticed this when I came back from holiday.",
    "It worked fine last week.",
)
STEPS = (
    "**Steps to reproduce**\n\n1. Open the application\n2. Sign in with my usual account\n"
    "3. Wait about a minute",
    "**What I tried**\n\n- Restarting the laptop\n- Signing out and in again\n"
    "- Clearing the browser cache",
    "The error says `Access denied (0x80070005)` and then the window closes.",
    "See the [status page](https://status.example.com/incidents) - nothing is reported there.",
    "> The operation could not be completed. Try again later.\n\nThat is all it says.",
)
CLOSINGS = (
    "Thanks in advance.",
    "This blocks my work, please help.",
    "Not urgent, but annoying.",
    "Happy to provide logs if needed.",
)
PUBLIC_REQUESTER = (
    "Thanks, I will try that and let you know.",
    "It happened again just now, around 10:15.",
    "I attached a screenshot to the e-mail I sent earlier.",
    "That worked, thank you!",
    "Still not working after the restart, unfortunately.",
    "Can someone look at this today? My deadline is tomorrow.",
)
PUBLIC_AGENT = (
    "Thanks for reporting this. Could you tell us the **exact time** it last happened?",
    "We have pushed a fix; please restart your computer and try again.",
    "I have reset the settings on our side. Please sign out and back in.",
    "This is a known issue; see the [announcement](https://intranet.example.com/news/42).",
    "Could you run `ipconfig /all` and paste the output here?",
    "We ordered a replacement, it should arrive within **two working days**.",
)
INTERNAL = (
    "Checked the logs: repeated authentication failures from this device.",
    "Escalating to the network team, looks like the switch on that floor.",
    "Same root cause as last week's incident, linking for reference.",
    "Waiting for the vendor to confirm the licence count.",
    "Do not close yet: the customer is a key account, follow up on Friday.",
    "Reproduced on a test machine; the update broke the driver.",
)
CATEGORIES = (
    ("Hardware", ("Laptops", "Printers", "Peripherals")),
    ("Software", ("Office", "Line of business")),
    ("Accounts", ("Passwords", "Access requests")),
    ("Network", ("VPN", "Wi-Fi")),
    ("Facilities", ()),
    ("Billing", ()),
)
TAGS = (
    "urgent", "vip", "hardware", "software", "network", "access", "onboarding",
    "offboarding", "vendor", "known-issue", "follow-up", "remote", "security",
    "billing", "printer", "vpn", "email", "mobile", "licence", "backup",
)  # fmt: skip
TEAMS = ("Service Desk", "Field Support", "Network", "Applications")

STATUSES_OLD = (
    ("closed", 70),
    ("resolved", 15),
    ("open", 7),
    ("waiting_on_requester", 4),
    ("new", 4),
)
STATUSES_NEW = (
    ("new", 25),
    ("open", 35),
    ("waiting_on_requester", 15),
    ("resolved", 15),
    ("closed", 10),
)
PRIORITIES = (("low", 30), ("medium", 40), ("high", 20), ("critical", 10))
RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
CHANNELS = (("web", 60), ("email", 30), ("api", 10))

# Columns COPYed into the staging table (search vectors are computed from public/all text).
TICKET_COLUMNS = (
    "id", "organization_id", "number", "title", "description", "description_html", "status",
    "priority", "priority_rank", "channel", "category_id", "requester_id", "assignee_id",
    "team_id", "created_at", "updated_at", "first_responded_at", "resolved_at", "closed_at",
    "reopen_count", "last_reopened_at", "sla_paused", "first_response_breached",
    "resolution_breached",
)  # fmt: skip
COMMENT_COLUMNS = (
    "id", "organization_id", "ticket_id", "author_id", "body", "body_html", "visibility",
    "created_at",
)  # fmt: skip
LOADED_TABLES = ("workflows_ticket", "workflows_comment", "workflows_tickettag")


def _weighted(choices: tuple[tuple[str, int], ...]) -> tuple[list[str], list[int]]:
    return [c for c, _ in choices], [w for _, w in choices]


def _descriptions() -> list[str]:
    texts = []
    for i, intro in enumerate(INTROS):
        for j, step in enumerate(STEPS):
            texts.append(f"{intro}\n\n{step}\n\n{CLOSINGS[(i + j) % len(CLOSINGS)]}")
    return texts


# --- Environment and database --------------------------------------------------------


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def _connect(socket_dir: str, dbname: str = DB_NAME, **kwargs: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(host=socket_dir, user="postgres", dbname=dbname, **kwargs)


def _existing_dataset(socket_dir: str) -> int | None:
    with _connect(socket_dir, "postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            return None
    with _connect(socket_dir, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('bench_dataset')").fetchone() == (None,):
            return None
        row = conn.execute("SELECT tickets FROM bench_dataset").fetchone()
    return int(row[0]) if row else None


def _recreate_database(socket_dir: str) -> None:
    with _connect(socket_dir, "postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
        # For the bulk load (index builds, WAL between checkpoints); reloadable, no restart.
        admin.execute("ALTER SYSTEM SET maintenance_work_mem = '1GB'")
        admin.execute("ALTER SYSTEM SET max_wal_size = '8GB'")
        admin.execute("SELECT pg_reload_conf()")


# --- Reference data through the services ---------------------------------------------


@dataclass
class OrgRefs:
    index: int
    org_id: int
    slug: str
    admin_id: int
    agent_ids: list[int]
    requester_ids: list[int]
    team_ids: list[int]
    # (category id, default team id)
    categories: list[tuple[int, int | None]]
    tag_ids: list[int]


def seed_reference() -> list[OrgRefs]:
    from ruledesk.tenancy import services as tenancy
    from ruledesk.tenancy.models import Role
    from workflows import services as wf

    refs = []
    for index, (slug, name) in enumerate(ORGS):
        org = tenancy.organization_create(slug=slug, name=name, timezone_name="Europe/Warsaw")
        admin = tenancy.user_create(
            actor=None, organization=org, email=f"admin@{slug}.test", name="Admin", role=Role.ADMIN
        )
        agents = [
            tenancy.user_create(
                actor=None,
                organization=org,
                email=f"agent{i}@{slug}.test",
                name=f"Agent {i}",
                role=Role.AGENT,
            )
            for i in range(1, AGENTS_PER_ORG + 1)
        ]
        requesters = [
            tenancy.user_create(
                actor=None,
                organization=org,
                email=f"requester{i}@{slug}.test",
                name=f"Requester {i}",
                role=Role.REQUESTER,
            )
            for i in range(1, REQUESTERS_PER_ORG + 1)
        ]
        teams = [tenancy.team_create(actor=None, organization=org, name=t) for t in TEAMS]
        for i, agent in enumerate(agents):
            tenancy.team_member_add(actor=None, team=teams[i % len(teams)], user=agent)
        categories: list[tuple[int, int | None]] = []
        for i, (parent_name, children) in enumerate(CATEGORIES):
            team = teams[i % len(teams)]
            parent = wf.category_create(actor=admin, name=parent_name, default_team_id=team.pk)
            categories.append((parent.pk, team.pk))
            for child_name in children:
                child = wf.category_create(
                    actor=admin, name=child_name, parent_id=parent.pk, default_team_id=team.pk
                )
                categories.append((child.pk, team.pk))
        tags = [wf.tag_create(actor=admin, name=t) for t in TAGS]
        refs.append(
            OrgRefs(
                index=index,
                org_id=org.pk,
                slug=slug,
                admin_id=admin.pk,
                agent_ids=[a.pk for a in agents],
                requester_ids=[r.pk for r in requesters],
                team_ids=[t.pk for t in teams],
                categories=categories,
                tag_ids=[t.pk for t in tags],
            )
        )
    return refs


# --- Bulk load (one process per organization) --------------------------------------


@dataclass
class Texts:
    descriptions: list[tuple[str, str]]  # (markdown, html)
    public_requester: list[tuple[str, str]]
    public_agent: list[tuple[str, str]]
    internal: list[tuple[str, str]]


def _rendered(texts: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    from ruledesk.markdown import render_markdown

    return [(t, render_markdown(t)) for t in texts]


def _ticket_rows(
    refs: OrgRefs,
    texts: Texts,
    count: int,
    start: int,
    stop: int,
    rng: random.Random,
    now: datetime,
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Yield (ticket staging row, comment rows, ticket-tag rows) for tickets start..stop-1."""
    span = timedelta(days=730).total_seconds()
    origin = now - timedelta(days=730, hours=2)
    old_s, old_w = _weighted(STATUSES_OLD)
    new_s, new_w = _weighted(STATUSES_NEW)
    prio_v, prio_w = _weighted(PRIORITIES)
    chan_v, chan_w = _weighted(CHANNELS)
    o = refs.index
    for k in range(start, stop):
        age = k / count
        created = origin + timedelta(seconds=span * age + rng.random() * 60)
        status = rng.choices(new_s, new_w)[0] if age > 0.9 else rng.choices(old_s, old_w)[0]
        priority = rng.choices(prio_v, prio_w)[0]
        category_id: int | None
        if rng.random() < 0.1:
            category_id, team_id = None, rng.choice(refs.team_ids + [None])
        else:
            category_id, team_id = rng.choice(refs.categories)
        requester = rng.choice(refs.requester_ids)
        assignee = None if status == "new" and rng.random() < 0.6 else rng.choice(refs.agent_ids)
        agent = assignee or rng.choice(refs.agent_ids)
        # The conversation: five comments spread over the ticket's life (at most 5 days).
        life = min(5 * 86400.0, (now - created).total_seconds() * 0.9)
        offsets = sorted(rng.random() * life for _ in range(COMMENTS_PER_TICKET))
        comments = []
        public_text: list[str] = []
        all_text: list[str] = []
        first_response = None
        for j, offset in enumerate(offsets):
            at = created + timedelta(seconds=offset)
            internal = rng.random() < 0.3
            if internal:
                author, (body, html), visibility = agent, rng.choice(texts.internal), "internal"
            elif status != "new" and (j == 0 or rng.random() < 0.5):
                author, (body, html), visibility = agent, rng.choice(texts.public_agent), "public"
                first_response = first_response or at
            else:
                author = requester
                body, html = rng.choice(texts.public_requester)
                visibility = "public"
            comment_id = 2 * (COMMENTS_PER_TICKET * k + j) + o + 1
            ticket_id = 2 * k + o + 1
            comments.append(
                (comment_id, refs.org_id, ticket_id, author, body, html, visibility, at)
            )
            all_text.append(body)
            if visibility == "public":
                public_text.append(body)
        last = created + timedelta(seconds=offsets[-1])
        if status != "new" and first_response is None:
            first_response = created + timedelta(seconds=offsets[0] / 2)
        resolved_at = closed_at = None
        if status in ("resolved", "closed"):
            resolved_at = last + timedelta(seconds=rng.random() * 3600)
            if status == "closed":
                closed_at = min(resolved_at + timedelta(days=3), now)
        updated = max(x for x in (last, resolved_at, closed_at) if x is not None)
        reopened = status in ("open", "closed") and rng.random() < 0.05
        description, description_html = rng.choice(texts.descriptions)
        title = f"{rng.choice(ISSUES)} ({rng.choice(PLACES)})"
        ticket = (
            2 * k + o + 1, refs.org_id, k + 1, title, description, description_html, status,
            priority, RANK[priority], rng.choices(chan_v, chan_w)[0], category_id, requester,
            assignee, team_id, created, updated, first_response, resolved_at, closed_at,
            1 if reopened else 0, (created + (updated - created) / 2) if reopened else None,
            False, False, False, " ".join(public_text), " ".join(all_text),
        )  # fmt: skip
        tag_ids = rng.sample(refs.tag_ids, rng.choice((0, 1, 1, 2)))
        tags = [
            (2 * (2 * k + t) + o + 1, refs.org_id, 2 * k + o + 1, tag)
            for t, tag in enumerate(tag_ids)
        ]
        yield ticket, comments, tags


_INSERT_FROM_STAGE = sql.SQL(
    """
    INSERT INTO workflows_ticket ({columns}, search_public, search_all)
    SELECT {columns},
        td || setweight(to_tsvector('simple', public_text), 'C'),
        td || setweight(to_tsvector('simple', all_text), 'C')
    FROM (
        SELECT *, setweight(to_tsvector('simple', title), 'A')
            || setweight(to_tsvector('simple', description), 'B') AS td
        FROM bench_stage
    ) AS s
    """
).format(columns=sql.SQL(", ").join(map(sql.Identifier, TICKET_COLUMNS)))


def load_org(socket_dir: str, refs: OrgRefs, texts: Texts, count: int, now: datetime) -> None:
    """Stream one organization's tickets, tags and comments with COPY, chunk by chunk."""
    rng = random.Random(1000 + refs.index)
    with _connect(socket_dir) as conn:
        # The rows are consistent by construction; skip per-row FK triggers during the load.
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
        conn.execute(
            sql.SQL(
                "CREATE TEMP TABLE bench_stage AS SELECT {} FROM workflows_ticket WITH NO DATA"
            ).format(sql.SQL(", ").join(map(sql.Identifier, TICKET_COLUMNS)))
        )
        conn.execute("ALTER TABLE bench_stage ADD public_text text, ADD all_text text")
        conn.commit()
        stage_copy = sql.SQL("COPY bench_stage ({}) FROM STDIN").format(
            sql.SQL(", ").join(map(sql.Identifier, (*TICKET_COLUMNS, "public_text", "all_text")))
        )
        comment_copy = sql.SQL("COPY workflows_comment ({}) FROM STDIN").format(
            sql.SQL(", ").join(map(sql.Identifier, COMMENT_COLUMNS))
        )
        tag_copy = "COPY workflows_tickettag (id, organization_id, ticket_id, tag_id) FROM STDIN"
        for start in range(0, count, CHUNK):
            stop = min(count, start + CHUNK)
            rows = list(_ticket_rows(refs, texts, count, start, stop, rng, now))
            with conn.cursor() as cur:
                cur.execute("TRUNCATE bench_stage")
                with cur.copy(stage_copy) as copy:
                    for ticket, _, _ in rows:
                        copy.write_row(ticket)
                with cur.copy(comment_copy) as copy:
                    for _, comments, _ in rows:
                        for comment in comments:
                            copy.write_row(comment)
                with cur.copy(tag_copy) as copy:
                    for _, _, tags in rows:
                        for tag in tags:
                            copy.write_row(tag)
                cur.execute(_INSERT_FROM_STAGE)
            conn.commit()
            if (stop // CHUNK) % 5 == 0 or stop == count:
                log(f"  {refs.slug}: {stop:,}/{count:,} tickets loaded")


def _secondary_indexes(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    """Indexes of the loaded tables that back no constraint (safe to drop and rebuild)."""
    rows = conn.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        ORDER BY i.indexname
        """,
        [list(LOADED_TABLES)],
    ).fetchall()
    return [(str(name), str(definition)) for name, definition in rows]


def _run_parallel(socket_dir: str, statements: list[str], workers: int = 2) -> None:
    pending = list(statements)
    lock = threading.Lock()

    def work() -> None:
        with _connect(socket_dir, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            while True:
                with lock:
                    if not pending:
                        return
                    statement = pending.pop(0)
                conn.execute(statement)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def seed(socket_dir: str, count: int) -> float:
    from django.db import connection

    started = time.monotonic()
    log("creating reference data through the services")
    refs = seed_reference()
    texts = Texts(
        descriptions=_rendered(_descriptions()),
        public_requester=_rendered(PUBLIC_REQUESTER),
        public_agent=_rendered(PUBLIC_AGENT),
        internal=_rendered(INTERNAL),
    )
    connection.close()
    with _connect(socket_dir, autocommit=True) as conn:
        indexes = _secondary_indexes(conn)
        for name, _ in indexes:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    per_org = [count // 2 + count % 2, count // 2]
    now = datetime.now(UTC)
    log(f"loading {count:,} tickets and {count * COMMENTS_PER_TICKET:,} comments with COPY")
    ctx = multiprocessing.get_context("fork")
    procs = [
        ctx.Process(target=load_org, args=(socket_dir, r, texts, n, now))
        for r, n in zip(refs, per_org, strict=True)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    if any(p.exitcode for p in procs):
        raise SystemExit("bulk load failed (see above); rerun with --fresh")
    log(f"rebuilding {len(indexes)} indexes")
    _run_parallel(socket_dir, [definition for _, definition in indexes])
    with _connect(socket_dir, autocommit=True) as conn:
        for r, n in zip(refs, per_org, strict=True):
            conn.execute(
                "INSERT INTO workflows_ticketcounter (organization_id, last_number) VALUES (%s, %s)"
                " ON CONFLICT (organization_id) DO UPDATE SET last_number = EXCLUDED.last_number",
                [r.org_id, n],
            )
        for table in LOADED_TABLES:
            conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({t}, 'id'), (SELECT max(id) FROM {i}))"
                ).format(t=sql.Literal(table), i=sql.Identifier(table))
            )
    log("VACUUM ANALYZE")
    _run_parallel(socket_dir, [f"VACUUM (ANALYZE) {t}" for t in LOADED_TABLES])
    seconds = time.monotonic() - started
    with _connect(socket_dir, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_dataset (tickets bigint, seconds float, loaded_at timestamptz)"
        )
        conn.execute("INSERT INTO bench_dataset VALUES (%s, %s, now())", [count, seconds])
    log(f"data set ready in {seconds:.0f} s")
    return seconds


# --- The server ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(socket_dir: str, pg_options: str = "") -> Iterator[tuple[int, psutil.Process]]:
    """gunicorn with 2 workers in production mode against the bench cluster."""
    port = _free_port()
    env = {
        **os.environ,
        "RULEDESK_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
        "DATABASE_URL": f"postgresql://postgres@{quote(socket_dir, safe='')}/{DB_NAME}"
        + (f"?options={quote(pg_options)}" if pg_options else ""),
        "EMAIL_HOST": "127.0.0.1",
        "DEFAULT_FROM_EMAIL": "bench@localhost",
        "RULEDESK_METRICS_TOKEN": secrets.token_urlsafe(24),
        # The write limit (300/min by default) would throttle the create benchmark.
        "RULEDESK_RATE_WRITES_PER_MIN": "100000000",
        "RULEDESK_LOG_LEVEL": "WARNING",
    }
    logfile = (BENCH_DIR / "gunicorn.log").open("ab")
    argv = [
        sys.executable, "-m", "gunicorn", "ruledesk.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--access-logfile", str(BENCH_DIR / "gunicorn-access.log"),
        "--limit-request-line", "8190",
    ]  # fmt: skip
    proc = subprocess.Popen(argv, env=env, cwd=BASE_DIR, stdout=logfile, stderr=logfile)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = _request(port, "GET", "/healthz", None, None)
                if status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {BENCH_DIR / 'gunicorn.log'}")
            time.sleep(0.3)
        yield port, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        logfile.close()


def _request(
    port: int,
    method: str,
    path: str,
    token: str | None,
    body: bytes | None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, bytes]:
    headers = {"X-Forwarded-Proto": "https", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, body=body, headers=headers)
    response = c.getresponse()
    data = response.read()
    if conn is None or response.will_close:
        c.close()
    return response.status, data


# --- Measurement ---------------------------------------------------------------------


@dataclass
class Case:
    key: str
    label: str
    method: str
    make_path: Callable[[random.Random], str]
    make_body: Callable[[random.Random], bytes | None] = lambda rng: None
    expect: int = 200
    tokens: list[str] | None = None  # default: the reading agent's


@dataclass
class Result:
    case: Case
    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    app_cpu_s: float = 0.0  # gunicorn workers, user+system
    db_cpu_s: float = 0.0  # every process of the bench PostgreSQL cluster
    load: float = 0.0  # 1-minute load average at the end (other work on the machine)

    def cpu_ms(self, seconds: float) -> float:
        return seconds * 1000 / len(self.latencies_ms) if self.latencies_ms else float("nan")

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


def _cpu_seconds(root: psutil.Process) -> dict[int, float]:
    """CPU time (user + system) per child of `root` (gunicorn workers, PostgreSQL processes)."""
    # Children that exited (a backend closed after CONN_MAX_AGE) count in the root's
    # children_user/children_system once reaped; kept under the pseudo pid 0.
    own = root.cpu_times()
    found = {0: own.children_user + own.children_system}
    for child in root.children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        found[child.pid] = times.user + times.system
    return found


def _cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two samples, by live processes and by those reaped in between."""
    return sum(after.values()) - sum(before.values())


def wait_idle(limit: float) -> None:
    deadline = time.monotonic() + limit
    while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
        time.sleep(5)


def measure(
    port: int,
    case: Case,
    tokens: list[str],
    concurrency: int,
    duration: float,
    warmup: float,
    app: psutil.Process,
    db: psutil.Process,
) -> Result:
    result = Result(case, concurrency)
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency + 1)
    phase = {"record": False, "stop": False}

    def worker(n: int) -> None:
        rng = random.Random(n)
        pool = case.tokens or tokens
        token = pool[n % len(pool)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        errors = 0
        barrier.wait()
        while not phase["stop"]:
            path, body = case.make_path(rng), case.make_body(rng)
            recording = phase["record"]
            t0 = time.perf_counter()
            try:
                status, _ = _request(port, case.method, path, token, body, conn)
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
    app_before, db_before = _cpu_seconds(app), _cpu_seconds(db)
    phase["record"] = True
    started = time.perf_counter()
    time.sleep(duration)
    phase["record"] = False
    result.seconds = time.perf_counter() - started
    result.app_cpu_s = _cpu_used(app_before, _cpu_seconds(app))
    result.db_cpu_s = _cpu_used(db_before, _cpu_seconds(db))
    result.load = os.getloadavg()[0]
    phase["stop"] = True
    for t in threads:
        t.join()
    return result


def query_counts(token: str, create_token: str, detail_id: int) -> dict[str, Any]:
    """Queries per request through Django's test client (in-process, same database)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    reader = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    writer = Client(HTTP_AUTHORIZATION=f"Bearer {create_token}")
    counts: dict[str, Any] = {}

    def count(method: str, path: str, body: dict[str, Any] | None = None) -> int:
        def call() -> int:
            if method == "GET":
                return int(reader.get(path).status_code)
            return int(writer.post(path, body, content_type="application/json").status_code)

        call()  # warm per-process caches (permission matrix), as a running server has them
        seen = []
        # The median of 3: a write that opens a new rate-limit window costs fewer queries.
        for _ in range(3):
            with CaptureQueriesContext(connection) as ctx:
                status = call()
            if status not in (200, 201):
                log(f"  query count: {method} {path} answered {status}")
            seen.append(len(ctx.captured_queries))
        return sorted(seen)[1]

    for key, path in _GET_PATHS.items():
        counts[key] = count("GET", path.replace("{id}", str(detail_id)))
    counts["create"] = count("POST", "/api/v1/tickets", _create_body(random.Random(0)))
    counts["page_sizes"] = {
        size: count("GET", f"/api/v1/tickets?page_size={size}") for size in (1, 25, 100)
    }
    return counts


_GET_PATHS = {
    "me": "/api/v1/me",
    "list": "/api/v1/tickets",
    "filtered": "/api/v1/tickets?status=open&priority=high",
    "search": f"/api/v1/tickets?q={SEARCH_WORD}",
    "detail": "/api/v1/tickets/{id}",
}


def _create_body(rng: random.Random) -> dict[str, Any]:
    return {
        "title": f"{rng.choice(ISSUES)} ({rng.choice(PLACES)})",
        "description": f"{rng.choice(INTROS)}\n\n{rng.choice(STEPS)}",
        "priority": rng.choice(["low", "medium", "high", "critical"]),
    }


def explain(socket_dir: str, agent_token: str, paths: dict[str, str]) -> None:
    """EXPLAIN ANALYZE the slowest query of each given request (for a missed target)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {agent_token}")
    for key, path in paths.items():
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            client.get(path)
        slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]))
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        print(f"\n-- {key}: {path}\n    {slowest['sql']}\n{plan}")


# --- Report --------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
    }


def targets(results: dict[tuple[str, int], Result], counts: dict[str, Any]) -> list[str]:
    def get(key: str, c: int) -> Result | None:
        return results.get((key, c))

    lines = []
    me, lst = get("me", 1), get("list", 1)
    if me and lst:
        ratio = lst.pct(50) / me.pct(50)
        lines.append(
            f"list p50 within 3x the me floor (c=1): {lst.pct(50):.1f} / {me.pct(50):.1f} ms"
            f" = {ratio:.2f}x  [{'met' if ratio <= 3 else 'MISSED'}]"
        )
        lines.append(
            f"list p95 <= 25 ms (c=1): {lst.pct(95):.1f} ms  [{'met' if lst.pct(95) <= 25 else 'MISSED'}]"
        )
    for key, label, limit in (("search", "search", 60.0), ("detail", "detail", 20.0)):
        r = get(key, 1)
        if r:
            lines.append(
                f"{label} p95 <= {limit:.0f} ms (c=1): {r.pct(95):.1f} ms"
                f"  [{'met' if r.pct(95) <= limit else 'MISSED'}]"
            )
    create = get("create", 8)
    if create:
        lines.append(
            f"create >= 150 req/s (c=8): {create.rps:.0f} req/s"
            f"  [{'met' if create.rps >= 150 else 'MISSED'}]"
        )
    sizes = counts.get("page_sizes", {})
    if sizes:
        same = len(set(sizes.values())) == 1
        shown = ", ".join(f"page_size={k}: {v}" for k, v in sizes.items())
        lines.append(f"same query count per page size: {shown}  [{'met' if same else 'MISSED'}]")
    return lines


def print_report(
    results: dict[tuple[str, int], Result], counts: dict[str, Any], info: dict[str, Any]
) -> None:
    print()
    print(
        f"Ruledesk ticket API benchmark, {info['date']} - {info['machine']['cpus']} CPUs "
        f"({info['machine']['cpu']}), {info['machine']['ram']} RAM, {info['pg']}"
    )
    print(
        f"data set: {info['tickets']:,} tickets / {info['comments']:,} comments in 2 organizations"
        f" (loaded in {info['load_seconds']:.0f} s{', reused' if info['reused'] else ''}); "
        f"q={SEARCH_WORD!r} matches {info['search_fraction']:.1%} of tickets"
    )
    print("gunicorn: 2 sync workers, RULEDESK_ENV=production, DEBUG off; client on the same host\n")
    header = (
        f"{'endpoint':<40} {'c':>2} {'n':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'req/s':>7}"
        f" {'err':>3} {'q/req':>5} {'app cpu':>7} {'db cpu':>6} {'load':>4}"
    )
    print(header)
    print("-" * len(header))
    for (key, c), r in results.items():
        print(
            f"{r.case.label:<40} {c:>2} {len(r.latencies_ms):>6} {r.pct(50):>7.1f} {r.pct(95):>7.1f}"
            f" {r.pct(99):>7.1f} {r.rps:>7.1f} {r.errors:>3} {counts.get(key, '?'):>5}"
            f" {r.cpu_ms(r.app_cpu_s):>7.1f} {r.cpu_ms(r.db_cpu_s):>6.1f} {r.load:>4.1f}"
        )
    print(
        "(latencies in ms; app/db cpu: CPU ms per request of the gunicorn workers and of"
        " PostgreSQL;\n load: 1-minute load average at the end of the measurement)"
    )
    print("\nTargets (issue 3, 1M tickets on 2 cores):")
    for line in targets(results, counts):
        print(f"  {line}")
    print(
        "\nReference, django-helpdesk on 100k tickets on this machine class: 46 s for one API list"
        " page,\n  300 ms for its list JSON, 1.4-1.7 s per keyword search, 19 creates/s (c=1)."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before recording")
    parser.add_argument("--concurrency", default="1,8", help="comma-separated levels")
    parser.add_argument("--only", default="", help="comma-separated endpoint keys to run")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE list queries")
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
    parser.add_argument(
        "--pg-options",
        default="",
        help="libpq options for the server's connections, e.g. '-c enable_memoize=off'",
    )
    parser.set_defaults(fresh=False)
    args = parser.parse_args()

    (BENCH_DIR / "static").mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ruledesk import embedded_db
    from ruledesk.api.authentication import token_issue
    from ruledesk.tenancy.models import User

    log(f"bench cluster: {BENCH_DIR / 'pg'}")
    socket_dir = embedded_db.ensure_server(str(BENCH_DIR / "pg"))
    existing = _existing_dataset(socket_dir)
    reused = existing == args.tickets and not args.fresh
    if not reused:
        log(f"building a data set of {args.tickets:,} tickets (found: {existing})")
        _recreate_database(socket_dir)
    call_command("migrate", "--noinput", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if not reused:
        seed(socket_dir, args.tickets)
    else:
        log(f"reusing the data set of {existing:,} tickets (--fresh rebuilds it)")

    with _connect(socket_dir, autocommit=True) as conn:
        load_seconds = float(conn.execute("SELECT seconds FROM bench_dataset").fetchone()[0])  # type: ignore[index]
        pg_version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        org_id = conn.execute(
            "SELECT id FROM tenancy_organization WHERE slug = %s", [ORGS[0][0]]
        ).fetchone()[0]  # type: ignore[index]
        tickets, max_id = conn.execute(
            "SELECT count(*), max(id) FROM workflows_ticket WHERE organization_id = %s", [org_id]
        ).fetchone()  # type: ignore[misc]
        total = int(conn.execute("SELECT count(*) FROM workflows_ticket").fetchone()[0])  # type: ignore[index]
        comments = int(conn.execute("SELECT count(*) FROM workflows_comment").fetchone()[0])  # type: ignore[index]
        matched = int(
            conn.execute(
                "SELECT count(*) FROM workflows_ticket WHERE organization_id = %s"
                " AND search_all @@ websearch_to_tsquery('simple', %s)",
                [org_id, SEARCH_WORD],
            ).fetchone()[0]  # type: ignore[index]
        )

    agent = User.objects.get(email=f"agent1@{ORGS[0][0]}.test")
    tokens = [token_issue(user=agent)[0] for _ in range(8)]
    # Creates go to the other organization, so the measured lists keep the loaded data
    # (thousands of new tickets on top would change what the filtered list has to skip).
    writer = User.objects.get(email=f"agent1@{ORGS[1][0]}.test")
    create_tokens = [token_issue(user=writer)[0] for _ in range(8)]
    # Detail: random tickets of the agent's organization (loaded ids are 2k+1 there).
    loaded = args.tickets // 2 + args.tickets % 2

    def detail_path(rng: random.Random) -> str:
        return f"/api/v1/tickets/{2 * rng.randrange(loaded) + 1}"

    cases = [
        Case("me", "GET /api/v1/me (floor)", "GET", lambda rng: _GET_PATHS["me"]),
        Case("list", "GET /api/v1/tickets", "GET", lambda rng: _GET_PATHS["list"]),
        Case("filtered", "GET /tickets?status=open&priority=high", "GET", lambda rng: _GET_PATHS["filtered"]),
        Case("search", f"GET /tickets?q={SEARCH_WORD}", "GET", lambda rng: _GET_PATHS["search"]),
        Case("detail", "GET /api/v1/tickets/{id} (random id)", "GET", detail_path),
        Case(
            "create", "POST /api/v1/tickets", "POST", lambda rng: "/api/v1/tickets",
            lambda rng: json.dumps(_create_body(rng)).encode(), 201, create_tokens,
        ),
    ]  # fmt: skip
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c in cases if c.key in wanted]

    log("counting queries per request (Django test client, same database)")
    counts = query_counts(tokens[0], create_tokens[0], 2 * (loaded // 2) + 1)
    if args.explain:
        explain(socket_dir, tokens[0], {k: v for k, v in _GET_PATHS.items() if k != "detail"})
    connection.close()

    results: dict[tuple[str, int], Result] = {}
    levels = [int(c) for c in args.concurrency.split(",")]
    postmaster = psutil.Process(int((BENCH_DIR / "pg" / "postmaster.pid").read_text().split()[0]))
    with gunicorn(socket_dir, args.pg_options) as (port, app):
        log(f"gunicorn on 127.0.0.1:{port}; {args.duration:g} s per measurement")
        for case in cases:
            for c in levels:
                if args.wait_idle:
                    wait_idle(args.wait_idle)
                r = measure(port, case, tokens, c, args.duration, args.warmup, app, postmaster)
                results[(case.key, c)] = r
                log(
                    f"  {case.label} c={c}: p50 {r.pct(50):.1f} ms, {r.rps:.0f} req/s,"
                    f" {r.errors} errors, load {r.load:.1f}"
                )

    info = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": machine(),
        "pg": f"PostgreSQL {pg_version}",
        "tickets": total,
        "comments": comments,
        "load_seconds": load_seconds,
        "reused": reused,
        "search_fraction": matched / max(1, tickets),
        "max_id": max_id,
    }
    print_report(results, counts, info)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "info": info,
                    "query_counts": counts,
                    "results": [
                        {
                            "endpoint": k,
                            "concurrency": c,
                            "n": len(r.latencies_ms),
                            "p50_ms": r.pct(50),
                            "p95_ms": r.pct(95),
                            "p99_ms": r.pct(99),
                            "rps": r.rps,
                            "errors": r.errors,
                            "app_cpu_ms": r.cpu_ms(r.app_cpu_s),
                            "db_cpu_ms": r.cpu_ms(r.db_cpu_s),
                            "load": r.load,
                            "mean_ms": statistics.fmean(r.latencies_ms) if r.latencies_ms else None,
                        }
                        for (k, c), r in results.items()
                    ],
                },
                indent=2,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
