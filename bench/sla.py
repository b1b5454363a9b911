"""SLA sweep benchmark: 100,000 due timers, sweep throughput (1 and 2 processes), breach lag.

    .venv/bin/python bench/sla.py [--tickets N] [--lag-tickets N] [--reuse | --fresh]

The data set lives in its own embedded PostgreSQL cluster under
``$RULEDESK_BENCH_DIR`` (default ``.local/bench-sla``). One organization with a
business calendar (Mon-Fri 08:00-18:00 Europe/Warsaw), a 24/7 calendar and SLA
policies per priority, created through the services; a handful of tickets go
through ``ticket_create`` (so their timers are the services' own), the other N
are COPYed with one due timer each (first-response or resolution, warning or
breach, in rotation), consistent with ``workflows/sla`` (policy, due and warn
times on the ticket, the timer's ``due_at``/``fire_at``, status open or new,
no first response, cycle 0), ``fire_at`` spread over the last hour so all are due.

(a) Sweep throughput: ``workflows.sla.services.sla_sweep`` until no due timer is
left (or ``--max-timers``), in 1 process, then in 2 processes at once (SKIP LOCKED
shares the work); timers fired per second. By default each sweeper makes one call
that walks every due timer, as the periodic task does (``--limit N``: calls of N
timers; ``--batch N``: SWEEP_BATCH). Each pass starts from the same state
(fired_at, breach flags, the emitted events and queued tasks reset, vacuumed);
``--repeat N`` runs N passes per sweeper count and prints medians and ranges.

(b) Breach lag: ``manage.py worker`` runs (its ``sla-sweep`` schedule every
30 s); ``--lag-tickets`` tickets are created through ``ticket_create`` under a
1-minute first-response / 2-minute resolution policy on the 24/7 calendar,
spread over ``--lag-spread`` seconds; lag = ``fired_at - fire_at`` per timer
(and the event's dispatch time minus ``fire_at``).

This is a benchmark, not a test: it prints figures and targets, it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _common as c

BENCH_DIR = c.configure(
    "bench-sla",
    {"RULEDESK_RATE_WRITES_PER_MIN": "100000000", "RULEDESK_RATE_COMMENTS_PER_10S": "100000000"},
)

SLUG = "slaco"
SERVICE_TICKETS = 20
CHUNK = 20_000
BUSINESS_HOURS = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
ALWAYS = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# (priority, first response minutes, resolution minutes) on business hours.
POLICIES = (("critical", 30, 240), ("high", 60, 480), ("medium", 240, 1440), ("low", 480, 2880))
LAG_CATEGORY = "Bench 1-minute SLA"
PRIORITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
TIMER_KINDS = (
    ("first_response", "warning"),
    ("first_response", "breach"),
    ("resolution", "warning"),
    ("resolution", "breach"),
)
TICKET_COLUMNS = (
    "id", "organization_id", "number", "title", "description", "description_html", "status",
    "priority", "priority_rank", "channel", "category_id", "requester_id", "assignee_id",
    "team_id", "created_at", "updated_at", "reopen_count", "sla_paused",
    "first_response_breached", "resolution_breached", "sla_policy_id", "first_response_due_at",
    "resolution_due_at", "first_response_warn_at", "resolution_warn_at",
)  # fmt: skip
TIMER_COLUMNS = (
    "organization_id", "ticket_id", "target", "kind", "cycle", "due_at", "fire_at",
)  # fmt: skip


def seed(socket_dir: str, count: int) -> dict[str, Any]:
    from ruledesk.tenancy import services as tenancy
    from ruledesk.tenancy.models import Role
    from workflows import services as wf
    from workflows.models import Ticket
    from workflows.sla import services as sla

    started = time.monotonic()
    org = tenancy.organization_create(slug=SLUG, name="SLA Bench Co", timezone_name="Europe/Warsaw")
    admin = tenancy.user_create(
        actor=None, organization=org, email=f"admin@{SLUG}.test", name="Admin", role=Role.ADMIN
    )
    team = tenancy.team_create(actor=None, organization=org, name="Service Desk")
    agents = []
    for i in range(1, 9):
        agent = tenancy.user_create(
            actor=None, organization=org, email=f"agent{i}@{SLUG}.test", name=f"Agent{i}",
            role=Role.AGENT,
        )  # fmt: skip
        tenancy.team_member_add(actor=None, team=team, user=agent)
        agents.append(agent)
    requesters = [
        tenancy.user_create(
            actor=None, organization=org, email=f"user{i}@{SLUG}.test", name=f"User{i}",
            role=Role.REQUESTER,
        )
        for i in range(1, 51)
    ]  # fmt: skip
    lag_category = wf.category_create(actor=admin, name=LAG_CATEGORY, default_team_id=team.pk)
    office = sla.business_calendar_create(
        actor=admin, name="Office hours", timezone="Europe/Warsaw", hours=BUSINESS_HOURS
    )
    always = sla.business_calendar_create(
        actor=admin, name="24/7", timezone="Europe/Warsaw", hours=ALWAYS
    )
    sla.sla_policy_create(
        actor=admin, name="Bench 1 minute", calendar_id=always.pk, first_response_minutes=1,
        resolution_minutes=2, category_id=lag_category.pk, reminder_percent=50, position=1,
    )  # fmt: skip
    policies = {
        priority: sla.sla_policy_create(
            actor=admin, name=f"{priority.title()} tickets", calendar_id=office.pk,
            first_response_minutes=fr, resolution_minutes=res, priority=priority,
            position=10 + i,
        )
        for i, (priority, fr, res) in enumerate(POLICIES)
    }  # fmt: skip
    rng = random.Random(11)
    for i in range(SERVICE_TICKETS):
        wf.ticket_create(
            actor=rng.choice(requesters), title=f"Service ticket {i}", description="Through the services.",
            priority=rng.choice(list(policies)),
        )  # fmt: skip
    c.log(f"reference data and {SERVICE_TICKETS} tickets through the services")

    # The rest with COPY: one due timer each, consistent with the ticket's SLA columns.
    now = datetime.now(UTC)
    first_id = int(Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    first_number = SERVICE_TICKETS + 1
    from django.db import connection

    connection.close()
    with c.connect(socket_dir) as conn:
        conn.execute("SET synchronous_commit = off")
        ticket_copy = f"COPY workflows_ticket ({', '.join(TICKET_COLUMNS)}) FROM STDIN"
        timer_copy = f"COPY workflows_slatimer ({', '.join(TIMER_COLUMNS)}) FROM STDIN"
        for start in range(0, count, CHUNK):
            stop = min(count, start + CHUNK)
            with conn.cursor() as cur:
                tickets, timers = [], []
                for k in range(start, stop):
                    priority = rng.choices(list(policies), (10, 20, 40, 30))[0]
                    policy = policies[priority]
                    # fire_at spread over the last hour; the ticket is older than its targets.
                    fire_at = now - timedelta(seconds=3600 * (k + 1) / count)
                    target, kind = TIMER_KINDS[k % 4]
                    minutes = (
                        policy.first_response_minutes
                        if target == "first_response"
                        else policy.resolution_minutes
                    )
                    due = fire_at if kind == "breach" else fire_at + timedelta(minutes=minutes / 5)
                    warn = due - timedelta(minutes=minutes / 5)
                    created = due - timedelta(minutes=minutes * 1.4)  # nights/weekends
                    fr_due, fr_warn = (due, warn) if target == "first_response" else (None, None)
                    res_due, res_warn = (due, warn) if target == "resolution" else (None, None)
                    tickets.append(
                        (
                            first_id + k, org.pk, first_number + k, f"Bulk ticket {k}",
                            "Loaded with COPY.", "<p>Loaded with COPY.</p>",
                            rng.choice(("new", "open")), priority, PRIORITY_RANK[priority],
                            "web", None, rng.choice(requesters).pk, rng.choice(agents).pk,
                            team.pk, created, created, 0, False, False, False, policy.pk,
                            fr_due, res_due, fr_warn, res_warn,
                        )
                    )  # fmt: skip
                    timers.append((org.pk, first_id + k, target, kind, 0, due, fire_at))
                with cur.copy(ticket_copy) as copy:
                    for row in tickets:
                        copy.write_row(row)
                with cur.copy(timer_copy) as copy:
                    for row in timers:
                        copy.write_row(row)
            conn.commit()
            c.log(f"  {stop:,}/{count:,} tickets with a due timer loaded")
        conn.execute(
            "UPDATE workflows_ticketcounter SET last_number = %s WHERE organization_id = %s",
            [SERVICE_TICKETS + count, org.pk],
        )
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('workflows_ticket', 'id'),"
            " (SELECT max(id) FROM workflows_ticket))"
        )
        conn.commit()
    with c.connect(socket_dir, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {"seconds": round(time.monotonic() - started), "org_id": org.pk}


# --- (a) Sweep throughput -------------------------------------------------------------------


def reset(socket_dir: str) -> int:
    """Back to every bulk timer due and unfired, no SLA events, an empty task queue."""
    with c.connect(socket_dir) as conn:
        conn.execute("UPDATE workflows_slatimer SET fired_at = NULL WHERE fired_at IS NOT NULL")
        conn.execute(
            "UPDATE workflows_ticket SET first_response_breached = false,"
            " resolution_breached = false"
            " WHERE first_response_breached OR resolution_breached"
        )
        conn.execute("DELETE FROM events_domainevent WHERE type IN ('sla.warning', 'sla.breached')")
        conn.execute("DELETE FROM django_q_ormq")
        due = conn.execute(
            "SELECT count(*) FROM workflows_slatimer WHERE fired_at IS NULL AND fire_at <= now()"
        ).fetchone()[0]
        conn.commit()
    with c.connect(socket_dir, autocommit=True) as conn:
        for table in (
            "workflows_slatimer",
            "workflows_ticket",
            "events_domainevent",
            "django_q_ormq",
        ):
            conn.execute(f"VACUUM ANALYZE {table}")
    return int(due)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process on this machine (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _sweeper(limit: int, batch: int, quota: int, barrier: Any, out: Any) -> None:
    import django

    django.setup()
    from django.db import connection

    from workflows.sla import services
    from workflows.sla.models import SlaTimer
    from workflows.sla.services import sweep

    if batch:
        sweep.SWEEP_BATCH = batch
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    barrier.wait()
    cpu = time.process_time(), _cpu_seconds(backend)
    started = time.perf_counter()
    calls = emitted = 0
    while True:
        # limit 0: like the periodic task, one call walks every due timer (up to the quota).
        n = services.sla_sweep(limit=min(limit or quota, quota - emitted))
        calls += 1
        emitted += n
        if emitted >= quota:
            break
        if (
            n == 0
            and not SlaTimer.objects.filter(
                fired_at__isnull=True, fire_at__lte=datetime.now(UTC)
            ).exists()
        ):
            break
    wall = time.perf_counter() - started
    out.put((emitted, calls, wall, time.process_time() - cpu[0], _cpu_seconds(backend) - cpu[1]))


def sweep(processes: int, limit: int, batch: int, quota: int) -> dict[str, Any]:
    from django.db import connection

    from workflows.sla.services import sweep as sweeping

    connection.close()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(processes + 1)
    out = ctx.Queue()
    share = quota // processes
    procs = [
        ctx.Process(target=_sweeper, args=(limit, batch, share, barrier, out))
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    barrier.wait()
    started = time.perf_counter()
    results = [out.get() for _ in procs]
    wall = time.perf_counter() - started
    for p in procs:
        p.join()
    emitted = sum(r[0] for r in results)
    python_cpu, postgres_cpu = sum(r[3] for r in results), sum(r[4] for r in results)
    return {
        "processes": processes,
        "limit": limit,
        "batch": batch or sweeping.SWEEP_BATCH,
        "load": os.getloadavg(),
        "emitted": emitted,
        "calls": sum(r[1] for r in results),
        "seconds": wall,
        "rate": emitted / wall if wall else 0.0,
        "per_process": [r[0] for r in results],
        # CPU per 1,000 timers of the sweepers and of their PostgreSQL backends: a figure the
        # other load on a shared machine hardly changes (unlike the wall-clock rate).
        "cpu_ms_per_1k": {
            "python": 1e6 * python_cpu / emitted if emitted else 0.0,
            "postgres": 1e6 * postgres_cpu / emitted if emitted else 0.0,
        },
    }


# --- (b) Breach lag -------------------------------------------------------------------------


def breach_lag(socket_dir: str, count: int, spread: float, timeout: float) -> dict[str, Any]:
    from django.db import connection

    from ruledesk.tenancy.models import User
    from workflows import services as wf
    from workflows.models import Category
    from workflows.sla.models import SlaTimer

    # What the throughput passes left (due timers, their events and queued dispatch tasks) is
    # not this measurement's: the worker would work through that backlog first.
    left = SlaTimer.objects.filter(fired_at__isnull=True, fire_at__lte=datetime.now(UTC)).update(
        fired_at=datetime.now(UTC)
    )
    connection.close()
    with c.connect(socket_dir) as conn:
        conn.execute("DELETE FROM events_domainevent WHERE type IN ('sla.warning', 'sla.breached')")
        conn.execute("DELETE FROM django_q_ormq")
        conn.commit()
    c.log(f"breach lag: {left:,} timers left due by the sweep passes marked fired first")
    log_path = BENCH_DIR / "worker.log"
    with c.worker(socket_dir, log_path, 2):
        time.sleep(5)
        category = Category.objects.get(name=LAG_CATEGORY)
        requesters = list(
            User.objects.filter(email__startswith="user", email__endswith=f"@{SLUG}.test")
        )
        ids = []
        started = time.monotonic()
        c.log(f"breach lag: creating {count} tickets under the 1-minute policy over {spread:g} s")
        for i in range(count):
            delay = started + i * spread / max(1, count - 1) - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            ticket = wf.ticket_create(
                actor=requesters[i % len(requesters)], title=f"Lag ticket {i}",
                description="Due in a minute.", category_id=category.pk,
            )  # fmt: skip
            ids.append(ticket.pk)

        def done() -> bool:
            return not SlaTimer.objects.filter(ticket_id__in=ids, fired_at__isnull=True).exists()

        c.log("  waiting for every timer of those tickets to fire (the worker's sla-sweep)")
        c.wait_for(done, timeout, 1.0)
        time.sleep(5)  # let the worker dispatch the last events
        timers = list(
            SlaTimer.objects.filter(ticket_id__in=ids).values_list(
                "ticket_id", "target", "kind", "fire_at", "fired_at"
            )
        )
        from ruledesk.events.models import DomainEvent

        events = {
            (e.ticket_id, e.payload.get("target"), e.type): e
            for e in DomainEvent.objects.filter(
                ticket_id__in=ids, type__in=["sla.warning", "sla.breached"]
            )
        }
    lags: dict[str, list[float]] = {"breach": [], "warning": []}
    dispatch: list[float] = []
    unfired = 0
    for ticket_id, target, kind, fire_at, fired_at in timers:
        if fired_at is None:
            unfired += 1
            continue
        lags[kind].append((fired_at - fire_at).total_seconds())
        event = events.get(
            (ticket_id, target, "sla.breached" if kind == "breach" else "sla.warning")
        )
        if event is not None and event.dispatched_at is not None:
            dispatch.append((event.dispatched_at - fire_at).total_seconds())
    return {"tickets": count, "lags": lags, "dispatch": dispatch, "unfired": unfired}


# --- Main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--tickets", type=int, default=100_000, help="bulk tickets, 1 due timer each"
    )
    parser.add_argument(
        "--limit", type=int, default=0,
        help="sla_sweep(limit=...) per call (0: one call walks every due timer, like the task)",
    )  # fmt: skip
    parser.add_argument("--batch", type=int, default=0, help="SWEEP_BATCH (0: the service's)")
    parser.add_argument("--repeat", type=int, default=1, help="passes per sweeper count")
    parser.add_argument(
        "--max-timers", type=int, default=0, help="stop each pass after this many (0: all due)"
    )
    parser.add_argument(
        "--processes", default="1,2", help="sweepers at once, comma-separated (0: no sweep pass)"
    )
    parser.add_argument("--lag-tickets", type=int, default=40)
    parser.add_argument(
        "--lag-spread", type=float, default=30.0, help="seconds to create them over"
    )
    parser.add_argument("--skip-lag", action="store_true")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for other benchmarks")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--reuse", dest="fresh", action="store_false", help="(default)")
    group.add_argument("--fresh", dest="fresh", action="store_true", help="rebuild the data set")
    parser.set_defaults(fresh=False)
    args = parser.parse_args()

    spec = {"tickets": args.tickets, "v": 1}
    socket_dir, reused = c.prepare("bench-sla", spec, args.fresh)
    if not reused:
        c.log(f"loading {args.tickets:,} tickets with due timers")
        info = seed(socket_dir, args.tickets)
        c.marker_write(socket_dir, spec)
        c.log(f"data set ready in {info['seconds']} s")
    else:
        c.log("reusing the data set (--fresh rebuilds it)")

    if not args.no_wait:
        c.wait_other_bench("bench/rules.py")
    sweeps = []
    counts = [int(x) for x in args.processes.split(",") if x.strip() and x.strip() != "0"]
    for _ in range(args.repeat):
        for n in counts:
            due = reset(socket_dir)
            c.log(f"sweep with {n} process(es): {due:,} due timers")
            c.wait_other_bench()
            result = sweep(n, args.limit, args.batch, args.max_timers or due)
            result["due"] = due
            sweeps.append(result)
            c.log(
                f"  {result['emitted']:,} events in {result['seconds']:.1f} s ="
                f" {result['rate']:,.0f} timers/s (load {result['load'][0]:.2f})"
            )
    lag = None
    if not args.skip_lag:
        c.wait_other_bench()
        lag = breach_lag(socket_dir, args.lag_tickets, args.lag_spread, 300)

    print()
    print(f"Ruledesk SLA sweep benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {c.machine()}, {c.pg_version(socket_dir)}")
    print(
        f"data set: {args.tickets:,} tickets with one due timer each (+{SERVICE_TICKETS} through"
        f" the services){', reused' if reused else ''}\n"
    )
    header = (
        f"{'sweep':<50} {'timers':>8} {'calls':>6} {'seconds':>8} {'timers/s':>9} {'load':>5}"
        f" {'CPU ms/1k py+pg':>16}"
    )
    print(header)
    print("-" * len(header))
    for s in sweeps:
        label = (
            f"sla_sweep(limit={s['limit'] or 'quota'}), batch {s['batch']},"
            f" {s['processes']} process(es)"
        )
        print(
            f"{label:<50} {s['emitted']:>8,} {s['calls']:>6} {s['seconds']:>8.1f}"
            f" {s['rate']:>9,.0f} {s['load'][0]:>5.2f}"
            f" {s['cpu_ms_per_1k']['python']:>8.0f}+{s['cpu_ms_per_1k']['postgres']:<7.0f}"
        )
    if args.repeat > 1:
        print()
        for n in counts:
            rates = [s["rate"] for s in sweeps if s["processes"] == n]
            print(
                f"{n} process(es): {len(rates)} passes, median {statistics.median(rates):,.0f}"
                f" timers/s, range {min(rates):,.0f}-{max(rates):,.0f}"
            )
    if lag:
        print()
        header = f"{'breach lag (s)':<40} {'n':>5} {'p50':>7} {'p95':>7} {'max':>7}"
        print(header)
        print("-" * len(header))
        rows = (
            ("breach timers: fired_at - fire_at", lag["lags"]["breach"]),
            ("warning timers: fired_at - fire_at", lag["lags"]["warning"]),
            ("event dispatched_at - fire_at", lag["dispatch"]),
        )
        for label, values in rows:
            print(
                f"{label:<40} {len(values):>5} {c.pct(values, 50):>7.1f} {c.pct(values, 95):>7.1f}"
                f" {max(values, default=float('nan')):>7.1f}"
            )
        if lag["unfired"]:
            print(f"({lag['unfired']} timers had not fired when the wait ended)")
    print("\nTargets (issue 4, 2 cores):")
    for n in counts:
        rate = statistics.median(s["rate"] for s in sweeps if s["processes"] == n)
        print(
            f"  sweep >= 5,000 timers/s ({n} process(es), median): {rate:,.0f}/s"
            f"  [{c.verdict(rate >= 5000)}]"
        )
    if lag:
        worst = max(lag["lags"]["breach"], default=float("inf"))
        print(f"  breach lag <= 60 s (max): {worst:.1f} s  [{c.verdict(worst <= 60)}]")
    if args.json:
        args.json.write_text(json.dumps({"sweeps": sweeps, "lag": lag}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
