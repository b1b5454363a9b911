"""Rules dispatch benchmark: 1,000 active rules, a mixed event stream, a real django-q2 worker.

    .venv/bin/python bench/rules.py [--rules N] [--events N] [--rate R] [--reuse | --fresh]

The data set lives in its own embedded PostgreSQL cluster under
``$RULEDESK_BENCH_DIR`` (default ``.local/bench-rules``). Two organizations:
``mixed`` has N active rules spread over the event types of api.md, ``single``
has N active rules all on ONE event type (``--worst-event``, the worst case).
Rules are created through ``rules_engine.services.rule_create`` (validated); the
default rule set is deactivated so exactly N rules are active.

Events come from the real services (ticket_create, ticket_update,
comment_create, ticket_transition), each in its own committed transaction, and
are dispatched by ``manage.py worker`` (django-q2, ORM broker) started as a
subprocess with RULEDESK_Q_WORKERS=2. Measured:

- latency: a paced stream (``--rate`` operations/s); per event
  ``dispatched_at`` (every rule decided, the unmatched runs recorded and the
  matched rules' actions queued, committed) minus the commit of the transaction
  that wrote the event (``track_commit_timestamp``; p50/p95/p99), for events
  the stream caused (depth 0) and for those rules caused (depth >= 1)
  separately; also the start of its task, the moment the rules were decided,
  and the commit of its decision carried out: the matched rules' actions and
  every run's record (its ``rules.decided`` event);
- throughput: a backlog of ``--backlog`` operations written while the worker
  is stopped, then drained by it; events/s between the first and last dispatch;
- engine cost: ``event_process`` (the rules consumer) called in-process on
  copies of stream events, each in a rolled-back transaction, so the queue's
  share of the latency is what remains.

This is a benchmark, not a test: it prints figures and targets, it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import pstats
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import _common as c

BENCH_DIR = c.configure(
    "bench-rules",
    {
        # The stream writes far faster than a person; the per-user limits would refuse it.
        "RULEDESK_RATE_COMMENTS_PER_10S": "100000000",
        "RULEDESK_RATE_WRITES_PER_MIN": "100000000",
        "RULEDESK_REOPEN_COOLDOWN_SECONDS": "0",
    },
)

ORGS = (("mixed", "Mixed Rules Ltd"), ("single", "Single Event Ltd"))
AGENTS = 12
REQUESTERS = 60
TICKETS_PER_ORG = 300
DOMAINS = ("example.com", "contoso.test", "fabrikam.test", "northwind.test", "globex.test")
TEAMS = ("Service Desk", "Field Support", "Network", "Applications")
CATEGORIES = (
    ("Hardware", ("Laptops", "Printers", "Peripherals")),
    ("Software", ("Office", "Line of business")),
    ("Accounts", ("Passwords", "Access requests")),
    ("Network", ("VPN", "Wi-Fi")),
    ("Facilities", ()),
    ("Billing", ()),
)
TAGS = (
    "urgent", "vip", "hardware", "software", "network", "access", "onboarding", "vendor",
    "known-issue", "follow-up", "remote", "security", "billing", "printer", "vpn", "email",
)  # fmt: skip
WORDS = (
    "vpn", "printer", "password", "laptop", "outlook", "monitor", "keyboard", "wi-fi",
    "invoice", "licence", "backup", "badge", "projector", "payroll", "calendar", "excel",
    "docking", "scanner", "mailbox", "headset", "certificate", "timesheet", "crm", "disk",
)  # fmt: skip
TITLES = (
    "Cannot log in to the VPN", "Printer prints blank pages", "Password reset link expired",
    "Outlook keeps asking for credentials", "Monitor flickers after docking",
    "Request for a new keyboard", "Wi-Fi drops during video calls", "Invoice PDF will not open",
    "Software licence renewal", "Backup job failed overnight", "Badge reader rejects my card",
    "Projector shows no signal", "Payroll export missing rows", "Calendar invites arrive twice",
    "Excel macro crashes on open", "Docking station not charging", "Mailbox is full",
    "Headset crackles on calls", "Browser blocks the intranet certificate",
    "Timesheet app shows wrong hours", "Cannot install the CRM plugin", "Disk space warning",
)  # fmt: skip
COMMENTS = (
    "Thanks, I will try that and let you know.",
    "It happened again just now, around 10:15.",
    "Could you run `ipconfig /all` and paste the output here?",
    "We pushed a fix; please restart and try again.",
    "Checked the logs: repeated authentication failures from this device.",
    "Escalating to the network team, looks like the switch on that floor.",
    "Still not working after the restart, unfortunately.",
    "The printer on floor 2 shows the same error.",
    "Waiting for the vendor to confirm the licence count.",
)

# Share of rules per event type (api.md's events; `schedule` rules are not event-dispatched).
EVENT_MIX = (
    ("ticket.updated", 28),
    ("ticket.created", 22),
    ("comment.created", 20),
    ("ticket.status_changed", 14),
    ("ticket.reopened", 4),
    ("sla.warning", 5),
    ("sla.breached", 5),
    ("csat.received", 2),
)
# Relative weight of an operator when a leaf is generated (others: 4).
OPERATOR_WEIGHTS = {
    "is_not": 1, "not_in": 1, "not_contains": 1, "is_empty": 1, "is_not_empty": 1, "changed": 2,
}  # fmt: skip
# Actions of a rule: mostly cheap ticket edits, a few in-app notifications.
ACTION_MIX = (("add_tags", 80), ("set_priority", 12), ("notify", 8))
# Stream operations (each one committed transaction through a workflows service).
OPERATION_MIX = (("comment", 35), ("update", 30), ("create", 20), ("transition", 15))


def _pick(rng: random.Random, mix: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in mix], [w for _, w in mix])[0]


# --- Reference data and rules ---------------------------------------------------------------


@dataclass
class Org:
    slug: str
    org_id: int
    admin_id: int
    agent_ids: list[int]
    requester_ids: list[int]
    team_ids: list[int]
    category_ids: list[int]
    ticket_ids: list[int] = field(default_factory=list)


def seed_org(slug: str, name: str, tickets: int, rng: random.Random) -> Org:
    from ruledesk.tenancy import services as tenancy
    from ruledesk.tenancy.models import Role, User
    from workflows import services as wf

    org = tenancy.organization_create(slug=slug, name=name, timezone_name="Europe/Warsaw")
    admin = tenancy.user_create(
        actor=None, organization=org, email=f"admin@{slug}.test", name="Admin", role=Role.ADMIN
    )
    agents = [
        tenancy.user_create(
            actor=None, organization=org, email=f"agent{i}@{slug}.test", name=f"Agent{i}",
            role=Role.AGENT,
        )
        for i in range(1, AGENTS + 1)
    ]  # fmt: skip
    requesters = [
        tenancy.user_create(
            actor=None, organization=org, email=f"user{i}.{slug}@{DOMAINS[i % len(DOMAINS)]}",
            name=f"User{i}", role=Role.REQUESTER,
        )
        for i in range(1, REQUESTERS + 1)
    ]  # fmt: skip
    teams = [tenancy.team_create(actor=None, organization=org, name=t) for t in TEAMS]
    for i, agent in enumerate(agents):
        tenancy.team_member_add(actor=None, team=teams[i % len(teams)], user=agent)
    categories: list[int] = []
    for i, (parent_name, children) in enumerate(CATEGORIES):
        team = teams[i % len(teams)]
        parent = wf.category_create(actor=admin, name=parent_name, default_team_id=team.pk)
        categories.append(parent.pk)
        for child in children:
            categories.append(
                wf.category_create(
                    actor=admin, name=child, parent_id=parent.pk, default_team_id=team.pk
                ).pk
            )
    for tag in TAGS:
        wf.tag_create(actor=admin, name=tag)
    refs = Org(
        slug=slug,
        org_id=org.pk,
        admin_id=admin.pk,
        agent_ids=[a.pk for a in agents],
        requester_ids=[r.pk for r in requesters],
        team_ids=[t.pk for t in teams],
        category_ids=categories,
    )
    users = {u.pk: u for u in User.objects.filter(organization_id=org.pk)}
    stream = Stream(refs, users, rng)
    for _ in range(tickets):
        stream.create()
    return refs


class RuleGen:
    """Random rules of realistic shapes over the vocabulary of api.md."""

    def __init__(self, org: Org, rng: random.Random) -> None:
        self.org = org
        self.rng = rng

    def value(self, name: str, kind: str, choices: tuple[str, ...]) -> Any:
        rng, org = self.rng, self.org
        if kind == "choice":
            return rng.choice(choices)
        if kind == "category":
            return rng.choice(org.category_ids)
        if kind == "team":
            return rng.choice(org.team_ids)
        if kind == "user":
            pool = org.requester_ids if name == "ticket.requester" else org.agent_ids
            return rng.choice(pool)
        if kind == "tags":
            return rng.choice(TAGS)
        if kind == "number":
            if name == "csat.score":
                return rng.randint(1, 5)
            if name == "ticket.reopen_count":
                return rng.randint(1, 3)
            return rng.choice((1, 4, 8, 24, 48, 72))
        if name == "ticket.requester_email_domain":
            return rng.choice(DOMAINS)
        return rng.choice(WORDS)

    def leaf(self, event: str) -> dict[str, Any]:
        from rules_engine import vocabulary as v

        rng = self.rng
        names = [
            n
            for n in v.FIELDS
            if (not n.startswith("comment.") or event == "comment.created")
            and (n != "csat.score" or event == "csat.received")
        ]
        # Ticket basics are the common case; hours/business hours and free text are rarer.
        weights = [
            6 if n in ("ticket.priority", "ticket.category", "ticket.team", "ticket.status")
            else 3 if n in ("ticket.tags", "ticket.title", "ticket.assignee", "ticket.channel")
            else 2 if n.startswith("comment.") or n == "csat.score"
            else 1
            for n in names
        ]  # fmt: skip
        name = rng.choices(names, weights)[0]
        spec = v.FIELDS[name]
        ops = list(spec.operators)
        if event not in ("ticket.updated", "ticket.status_changed"):
            ops = [o for o in ops if o not in v.CHANGE_OPERATORS]
        # Authors mostly select ("is", "in", "contains", "gt"...); negations and emptiness
        # tests are the minority, as in real rule sets.
        operator = rng.choices(ops, [OPERATOR_WEIGHTS.get(o, 4) for o in ops])[0]
        node: dict[str, Any] = {"field": name, "operator": operator}
        if operator in v.VALUELESS:
            return node
        if operator in v.LIST_VALUED:
            node["value"] = list(
                {self.value(name, spec.type, spec.choices) for _ in range(rng.randint(1, 3))}
            )
        else:
            node["value"] = self.value(name, spec.type, spec.choices)
        return node

    def trigger(self, event: str) -> dict[str, Any]:
        """What an update rule is usually about: one field changing (to a value)."""
        rng = self.rng
        if event == "ticket.status_changed":
            return {
                "field": "ticket.status",
                "operator": "changed_to",
                "value": rng.choice(("open", "waiting_on_requester", "resolved", "closed")),
            }
        name = rng.choice(
            ("ticket.priority", "ticket.assignee", "ticket.team", "ticket.category", "ticket.tags")
        )
        if name == "ticket.tags" or rng.random() < 0.4:
            return {"field": name, "operator": "changed"}
        kind = {"ticket.priority": "choice", "ticket.assignee": "user"}.get(name, name[7:])
        choices = ("low", "medium", "high", "critical")
        return {"field": name, "operator": "changed_to", "value": self.value(name, kind, choices)}

    def anchor(self) -> dict[str, Any]:
        """What most rules are scoped by: a category, a keyword, a priority, a customer domain."""
        rng, org = self.rng, self.org
        roll = rng.random()
        if roll < 0.35:
            return {
                "field": "ticket.category",
                "operator": "is",
                "value": rng.choice(org.category_ids),
            }
        if roll < 0.5:
            return {
                "field": "ticket.category",
                "operator": "in",
                "value": rng.sample(org.category_ids, 2),
            }
        if roll < 0.7:
            return {"field": "ticket.title", "operator": "contains", "value": rng.choice(WORDS)}
        if roll < 0.85:
            return {"field": "ticket.priority", "operator": "is", "value": "critical"}
        return {
            "field": "ticket.requester_email_domain",
            "operator": "is",
            "value": rng.choice(DOMAINS),
        }

    def conditions(self, event: str) -> dict[str, Any]:
        """2-6 leaves; `all` at the top with a trigger (updates) or a scope leaf, often an
        `any` group inside, sometimes a `not`."""
        rng = self.rng
        leaves = rng.randint(2, 6)
        items: list[dict[str, Any]] = []
        if event in ("ticket.updated", "ticket.status_changed"):
            items.append(self.trigger(event))
        else:
            items.append(self.anchor())
        leaves -= 1
        shape = rng.random()
        if shape < 0.45 and leaves >= 3:
            group = rng.randint(2, min(3, leaves - 1))
            items.append({"any": [self.leaf(event) for _ in range(group)]})
            leaves -= group
        elif shape < 0.6 and leaves >= 2:
            items.append({"not": self.leaf(event)})
            leaves -= 1
        elif shape < 0.7 and leaves >= 4:
            items.append({"any": [{"all": [self.leaf(event), self.leaf(event)]}, self.leaf(event)]})
            leaves -= 3
        items += [self.leaf(event) for _ in range(leaves)]
        rng.shuffle(items)
        return {"all": items}

    def actions(self) -> list[dict[str, Any]]:
        rng = self.rng
        kind = _pick(rng, ACTION_MIX)
        if kind == "add_tags":
            return [{"type": "add_tags", "tags": [f"auto-{rng.randint(1, 40)}"]}]
        if kind == "set_priority":
            return [{"type": "set_priority", "priority": rng.choice(("high", "critical"))}]
        recipients = rng.choice((["assignee"], ["team"], ["assignee", "team"]))
        return [{"type": "notify", "recipients": recipients, "channel": "in_app"}]


def seed_rules(org: Org, count: int, event: str | None, rng: random.Random) -> Counter[str]:
    from ruledesk.tenancy.models import User
    from rules_engine.models import Rule
    from rules_engine.services import rule_create

    admin = User.objects.get(pk=org.admin_id)
    Rule.objects.filter(organization_id=org.org_id).update(active=False)  # the default set
    gen = RuleGen(org, rng)
    made: Counter[str] = Counter()
    for i in range(count):
        kind = event or _pick(rng, EVENT_MIX)
        rule_create(
            actor=admin,
            data={
                "name": f"Bench rule {i + 1} ({kind})",
                "event": kind,
                "conditions": gen.conditions(kind),
                "actions": gen.actions(),
                "position": i + 1,
            },
        )
        made[kind] += 1
    return made


# --- The stream -----------------------------------------------------------------------------


class Stream:
    """Operations through the real workflows services; each one commits on its own."""

    def __init__(self, org: Org, users: dict[int, Any], rng: random.Random) -> None:
        self.org = org
        self.users = users
        self.rng = rng

    def op(self, kind: str) -> None:
        from ruledesk import errors

        # e.g. a transition a racing rule made invalid: the stream goes on
        with contextlib.suppress(errors.ApplicationError):
            getattr(self, kind)()

    def _ticket(self) -> Any:
        from workflows.models import Ticket

        return Ticket.objects.get(pk=self.rng.choice(self.org.ticket_ids))

    def create(self) -> None:
        from workflows import services as wf

        rng = self.rng
        actor = self.users[rng.choice(self.org.requester_ids)]
        ticket = wf.ticket_create(
            actor=actor,
            title=f"{rng.choice(TITLES)} #{rng.randint(1, 9999)}",
            description=f"{rng.choice(COMMENTS)}\n\nAffects the {rng.choice(WORDS)}.",
            priority=rng.choices(("low", "medium", "high", "critical"), (30, 40, 20, 10))[0],
            category_id=rng.choice([*self.org.category_ids, None]),
            channel=rng.choice(("web", "email", "api")),
        )
        self.org.ticket_ids.append(ticket.pk)

    def update(self) -> None:
        from workflows import services as wf

        rng = self.rng
        ticket = self._ticket()
        actor = self.users[rng.choice(self.org.agent_ids)]
        what = rng.choice(("priority", "assignee", "team", "category", "tags", "title"))
        if what == "priority":
            wf.ticket_update(actor=actor, ticket=ticket, priority=rng.choice(("low", "medium", "high", "critical")))  # fmt: skip
        elif what == "assignee":
            wf.ticket_update(actor=actor, ticket=ticket, assignee_id=rng.choice(self.org.agent_ids))
        elif what == "team":
            wf.ticket_update(actor=actor, ticket=ticket, team_id=rng.choice(self.org.team_ids))
        elif what == "category":
            wf.ticket_update(actor=actor, ticket=ticket, category_id=rng.choice(self.org.category_ids))  # fmt: skip
        elif what == "tags":
            wf.ticket_update(actor=actor, ticket=ticket, tags=rng.sample(TAGS, rng.randint(0, 3)))
        else:
            wf.ticket_update(actor=actor, ticket=ticket, title=f"{rng.choice(TITLES)} (updated)")

    def comment(self) -> None:
        from workflows import services as wf

        rng = self.rng
        ticket = self._ticket()
        roll = rng.random()
        if roll < 0.4:
            actor, visibility = self.users[ticket.requester_id], "public"
        elif roll < 0.8:
            actor, visibility = self.users[rng.choice(self.org.agent_ids)], "public"
        else:
            actor, visibility = self.users[rng.choice(self.org.agent_ids)], "internal"
        wf.comment_create(actor=actor, ticket=ticket, body=rng.choice(COMMENTS), visibility=visibility)  # fmt: skip

    def transition(self) -> None:
        from workflows import services as wf
        from workflows.services.transitions import transitions_available

        rng = self.rng
        ticket = self._ticket()
        actor = self.users[rng.choice(self.org.agent_ids)]
        names = [s.name for s in transitions_available(actor=actor, ticket=ticket)]
        if not names:
            return
        # Keep tickets moving rather than piling up closed: reopen and close are rarer.
        weights = [{"reopen": 1, "close": 1}.get(n, 3) for n in names]
        name = rng.choices(names, weights)[0]
        wf.ticket_transition(
            actor=actor, ticket=ticket, name=name, reason="Came back" if name == "reopen" else ""
        )


def drain_in_process() -> int:
    """Dispatch every pending event here (set-up only) and drop their queued tasks."""
    from django_q.models import OrmQ

    from ruledesk.events.models import DomainEvent, EventStatus
    from ruledesk.events.services import event_dispatch

    done = 0
    while True:
        ids = list(
            DomainEvent.objects.filter(status=EventStatus.PENDING)
            .order_by("id")
            .values_list("pk", flat=True)[:500]
        )
        if not ids:
            break
        for pk in ids:
            event_dispatch(event_id=pk)
            done += 1
    OrmQ.objects.all().delete()
    return done


# --- Measurement ----------------------------------------------------------------------------


@dataclass
class Phase:
    label: str
    ops: int = 0
    seconds: float = 0.0
    latencies: dict[int, list[float]] = field(default_factory=dict)  # depth bucket -> ms
    by_type: dict[str, list[float]] = field(default_factory=dict)  # depth 0 only
    events: int = 0
    undispatched: int = 0
    throughput: float = 0.0
    # events/s until every decision was also carried out (actions and records)
    drained: float = 0.0
    engine_ms: list[float] = field(default_factory=list)  # sum of duration_ms per event
    evaluated: int = 0
    matched: int = 0
    decided: list[float] = field(default_factory=list)  # ms from the event to the rules' verdicts
    started: list[float] = field(default_factory=list)  # ms from the event to its task's start
    # ms from the event to its decision carried out: actions and records (rules.decided)
    applied: list[float] = field(default_factory=list)
    from_commit: bool = False  # latencies count from the writer's commit (else created_at)

    def all_ms(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]


# Latency counts from the commit of the transaction that wrote the event: before it, no
# worker can see the event (`created_at` is taken earlier, when the row is built, so the
# rest of the writer's transaction would count too). The bench cluster runs with
# `track_commit_timestamp`, and a trigger records, for each new event, a row that is never
# updated, whose xmin is the writer's transaction.
COMMIT_TABLE = "bench_event_commit"
# The first start of each event's dispatch task (its delivery count goes up first thing):
# commit -> start is the queue's share (NOTIFY, pusher, hand-over to a worker process).
START_TABLE = "bench_event_start"


def commit_times_configure(pg_dir: Path) -> None:
    """Turn on track_commit_timestamp in the bench cluster's configuration (read at start)."""
    conf = pg_dir / "postgresql.conf"
    if conf.exists() and "\ntrack_commit_timestamp = on" not in conf.read_text():
        with conf.open("a") as out:
            out.write("\ntrack_commit_timestamp = on\n")


def commit_times_install() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW track_commit_timestamp")
        row = cursor.fetchone()
        enabled = row is not None and row[0] == "on"
        cursor.execute(
            f"""
            CREATE TABLE IF NOT EXISTS {COMMIT_TABLE} (event_id bigint PRIMARY KEY);
            CREATE OR REPLACE FUNCTION bench_event_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO {COMMIT_TABLE} VALUES (NEW.id); RETURN NULL; END $$;
            CREATE OR REPLACE TRIGGER bench_event_commit AFTER INSERT ON events_domainevent
                FOR EACH ROW EXECUTE FUNCTION bench_event_commit();
            CREATE TABLE IF NOT EXISTS {START_TABLE} (
                event_id bigint PRIMARY KEY, at timestamptz NOT NULL);
            CREATE OR REPLACE FUNCTION bench_event_start() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO {START_TABLE} VALUES (NEW.id, clock_timestamp())
                ON CONFLICT DO NOTHING; RETURN NULL; END $$;
            CREATE OR REPLACE TRIGGER bench_event_start AFTER UPDATE OF deliveries
                ON events_domainevent FOR EACH ROW EXECUTE FUNCTION bench_event_start();
            """  # noqa: S608 - constant table names
        )
    if not enabled:
        c.log(
            "track_commit_timestamp is off (the cluster was started before it was configured):"
            " latencies count from created_at this time; run again for commit times"
        )
    return enabled


def commit_times(first_id: int) -> dict[int, datetime]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW track_commit_timestamp")
        row = cursor.fetchone()
        if row is None or row[0] != "on":
            return {}
        cursor.execute(
            f"SELECT event_id, pg_xact_commit_timestamp(xmin) FROM {COMMIT_TABLE}"  # noqa: S608
            " WHERE event_id > %s",
            [first_id],
        )
        return {pk: at for pk, at in cursor.fetchall() if at is not None}


def start_times(first_id: int) -> dict[int, datetime]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT event_id, at FROM {START_TABLE} WHERE event_id > %s",  # noqa: S608
            [first_id],
        )
        return dict(cursor.fetchall())


def collect(phase: Phase, org_id: int, first_id: int) -> None:
    from django.db.models import Count, Min, Q, Sum

    from ruledesk.events.models import DomainEvent
    from rules_engine.models import RuleExecution
    from rules_engine.planned import DECIDED_EVENT

    rows = (
        DomainEvent.objects.filter(organization_id=org_id, pk__gt=first_id)
        .exclude(type__startswith="rules.")  # the engine's own events
        .values_list("pk", "type", "depth", "created_at", "dispatched_at")
    )
    # Each event whose rules matched has one rules.decided event: its actions, carried out.
    plans = DomainEvent.objects.filter(
        organization_id=org_id, pk__gt=first_id, type=DECIDED_EVENT
    ).values_list("payload__event__id", "dispatched_at")
    # Every record of an event carries the moment its rules were decided (before actions).
    decided_at = dict(
        RuleExecution.objects.filter(organization_id=org_id, event_id__gt=first_id)
        .values("event_id")
        .annotate(at=Min("created_at"))
        .values_list("event_id", "at")
    )
    committed = commit_times(first_id)
    phase.from_commit = bool(committed)
    started_at = start_times(first_id)
    dispatched = []
    created_of: dict[int, datetime] = {}
    for pk, kind, depth, created_at, done in rows:
        created = committed.get(pk, created_at)
        created_of[pk] = created
        phase.events += 1
        if pk in decided_at:
            phase.decided.append((decided_at[pk] - created).total_seconds() * 1000)
        if pk in started_at:
            phase.started.append((started_at[pk] - created).total_seconds() * 1000)
        if done is None:
            phase.undispatched += 1
            continue
        ms = (done - created).total_seconds() * 1000
        phase.latencies.setdefault(min(depth, 1), []).append(ms)
        if depth == 0:
            phase.by_type.setdefault(kind, []).append(ms)
        dispatched.append(done)
    carried_out = []
    for source, done in plans:
        if source in created_of and done is not None:
            phase.applied.append((done - created_of[source]).total_seconds() * 1000)
            carried_out.append(done)
    if len(dispatched) > 1:
        span = (max(dispatched) - min(dispatched)).total_seconds()
        phase.throughput = (len(dispatched) - 1) / span if span else 0.0
        span = (max(dispatched + carried_out) - min(dispatched)).total_seconds()
        phase.drained = (len(dispatched) - 1) / span if span else 0.0
    per_event = (
        RuleExecution.objects.filter(organization_id=org_id, event_id__gt=first_id)
        .values("event_id")
        .annotate(ms=Sum("duration_ms"), n=Count("id"), m=Count("id", filter=Q(matched=True)))
    )
    for row in per_event:
        phase.engine_ms.append(float(row["ms"]))
        phase.evaluated += int(row["n"])
        phase.matched += int(row["m"])


def last_event_id() -> int:
    from ruledesk.events.models import DomainEvent

    return int(DomainEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)


def all_dispatched(org_id: int, first_id: int) -> bool:
    from ruledesk.events.models import DomainEvent, EventStatus

    return not DomainEvent.objects.filter(
        organization_id=org_id,
        pk__gt=first_id,
        status__in=[EventStatus.PENDING, EventStatus.FAILED],
    ).exists()


def paced(stream: Stream, ops: int, rate: float, mix: tuple[tuple[str, int], ...]) -> float:
    """Run `ops` operations at `rate` per second (open loop: a slow one does not shift the rest)."""
    started = time.monotonic()
    for i in range(ops):
        due = started + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        stream.op(_pick(stream.rng, mix))
    return time.monotonic() - started


def engine_cost(
    org_id: int, first_id: int, sample: int, profile: Path | None
) -> tuple[list[float], list[float]]:
    """event_process alone, in-process, on copies of stream events (each rolled back); then
    the actions it planned (decision_process on its rules.decided event), timed apart."""
    from django.db import transaction

    from ruledesk.events.models import DomainEvent
    from rules_engine.planned import DECIDED_EVENT, decision_process
    from rules_engine.services import event_process

    originals = list(
        DomainEvent.objects.filter(organization_id=org_id, pk__gt=first_id, depth=0)
        .exclude(type__startswith="rules.")  # the engine's own events
        .order_by("pk")[:sample]
    )
    timings: list[float] = []
    acting: list[float] = []
    profiler = cProfile.Profile() if profile else None
    for original in originals:
        with transaction.atomic():
            copy = DomainEvent.objects.create(
                organization_id=original.organization_id,
                type=original.type,
                ticket_id=original.ticket_id,
                actor_id=original.actor_id,
                payload=original.payload,
                changes=original.changes,
                depth=original.depth,
                status="dispatched",
                deliveries=1,  # as a worker sees it on its first start (no redelivery check)
            )
            if profiler:
                profiler.enable()
            t0 = time.perf_counter()
            event_process(copy)
            timings.append((time.perf_counter() - t0) * 1000)
            plan = DomainEvent.objects.filter(pk__gt=copy.pk, type=DECIDED_EVENT).first()
            if plan is not None:
                t0 = time.perf_counter()
                decision_process(plan)
                acting.append((time.perf_counter() - t0) * 1000)
            if profiler:
                profiler.disable()
            transaction.set_rollback(True)
    if profiler and profile:
        profiler.dump_stats(str(profile))
        pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(25)
    return timings, acting


def noop_latency(socket_dir: str, org_id: int, count: int, workers: int) -> None:
    """Events of a type nothing consumes, through a real worker: the queue's own share."""
    from django.db import transaction

    from ruledesk.events.models import DomainEvent
    from ruledesk.events.services import emit

    with c.worker(socket_dir, BENCH_DIR / "worker.log", workers, None):
        time.sleep(6)  # the cluster's start
        first = last_event_id()
        for _ in range(count):
            with transaction.atomic():
                emit(organization_id=org_id, type="bench.noop")
            time.sleep(0.1)
        c.wait_for(lambda: all_dispatched(org_id, first), 60)
    committed, started = commit_times(first), start_times(first)
    rows = DomainEvent.objects.filter(pk__gt=first, type="bench.noop").values_list(
        "pk", "dispatched_at"
    )
    start_ms = [(started[pk] - committed[pk]).total_seconds() * 1000 for pk, _ in rows if pk in started and pk in committed]  # fmt: skip
    done_ms = [(done - committed[pk]).total_seconds() * 1000 for pk, done in rows if done and pk in committed]  # fmt: skip
    c.log(
        f"no-op events through the worker ({len(done_ms)}): task started p50"
        f" {c.pct(start_ms, 50):.1f} / p95 {c.pct(start_ms, 95):.1f} ms, dispatched p50"
        f" {c.pct(done_ms, 50):.1f} / p95 {c.pct(done_ms, 95):.1f} ms (from the commit)"
    )


# --- Main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rules", type=int, default=1000, help="active rules per organization")
    parser.add_argument("--events", type=int, default=200, help="stream operations (latency)")
    parser.add_argument("--rate", type=float, default=2.0, help="stream operations per second")
    parser.add_argument("--backlog", type=int, default=150, help="operations for throughput")
    parser.add_argument("--sample", type=int, default=60, help="events for the engine cost")
    parser.add_argument("--worst-event", default="comment.created", help="the single org's type")
    parser.add_argument("--poll", type=float, default=None, help="also run with this q2 poll (s)")
    parser.add_argument("--workers", type=int, default=4, help="RULEDESK_Q_WORKERS")
    parser.add_argument("--skip-worst", action="store_true")
    parser.add_argument("--profile", type=Path, help="cProfile the engine-cost pass to this file")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--engine-only",
        action="store_true",
        help="only the in-process engine cost, on the mixed organization's latest stream events",
    )
    parser.add_argument(
        "--noop",
        type=int,
        default=0,
        metavar="N",
        help="only the queue's own cost: N events no consumer acts on, 10 per second",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--reuse", dest="fresh", action="store_false", help="(default)")
    group.add_argument("--fresh", dest="fresh", action="store_true", help="rebuild the data set")
    parser.set_defaults(fresh=False)
    args = parser.parse_args()

    spec = {"rules": args.rules, "worst_event": args.worst_event, "seed": args.seed, "v": 2}
    commit_times_configure(BENCH_DIR / "pg")
    socket_dir, reused = c.prepare("bench-rules", spec, args.fresh)
    commit_times_install()
    from django.db import connection
    from django.db.models import Count

    from ruledesk.tenancy.models import Organization, User
    from rules_engine.models import Rule

    rng = random.Random(args.seed)
    if not reused:
        started = time.monotonic()
        c.log("creating organizations, users, taxonomy and tickets through the services")
        orgs = [seed_org(slug, name, TICKETS_PER_ORG, rng) for slug, name in ORGS]
        c.log(f"  dispatched {drain_in_process()} set-up events in-process")
        c.log(f"creating {args.rules} rules per organization through rule_create")
        mix = seed_rules(orgs[0], args.rules, None, rng)
        seed_rules(orgs[1], args.rules, args.worst_event, rng)
        c.log(f"  rules of '{orgs[0].slug}' per event: {dict(mix.most_common())}")
        c.log(f"  dispatched {drain_in_process()} more set-up events")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        c.marker_write(socket_dir, spec)
        c.log(f"data set ready in {time.monotonic() - started:.0f} s")
    else:
        c.log("reusing the data set (--fresh rebuilds it)")
    drain_in_process()

    def load(slug: str) -> tuple[Org, Stream]:
        from workflows.models import Ticket

        org = Organization.objects.get(slug=slug)
        users = {u.pk: u for u in User.objects.filter(organization_id=org.pk)}
        refs = Org(
            slug=slug,
            org_id=org.pk,
            admin_id=next(u.pk for u in users.values() if u.role == "admin"),
            agent_ids=sorted(u.pk for u in users.values() if u.role == "agent"),
            requester_ids=sorted(u.pk for u in users.values() if u.role == "requester"),
            team_ids=[],
            category_ids=[],
            ticket_ids=list(
                Ticket.objects.filter(organization_id=org.pk).values_list("pk", flat=True)
            ),
        )
        from ruledesk.tenancy.models import Team
        from workflows.models import Category

        refs.team_ids = list(
            Team.objects.filter(organization_id=org.pk).values_list("pk", flat=True)
        )
        refs.category_ids = list(
            Category.objects.filter(organization_id=org.pk).values_list("pk", flat=True)
        )
        return refs, Stream(refs, users, random.Random(args.seed + org.pk))

    mixed, mixed_stream = load(ORGS[0][0])
    single, single_stream = load(ORGS[1][0])
    rules_by_event = dict(
        Rule.objects.filter(organization_id=mixed.org_id, active=True)
        .values_list("event")
        .annotate(n=Count("id"))
        .values_list("event", "n")
    )

    c.wait_other_bench()
    if args.noop:
        noop_latency(socket_dir, mixed.org_id, args.noop, args.workers)
        return 0
    if args.engine_only:
        # The newest `--sample` depth-0 events of the mixed organization, replayed in process.
        from ruledesk.events.models import DomainEvent

        ids = list(
            DomainEvent.objects.filter(organization_id=mixed.org_id, depth=0)
            .exclude(type__startswith="rules.")  # the engine's own events
            .order_by("-pk")
            .values_list("pk", flat=True)[: args.sample]
        )
        timings, acting = engine_cost(mixed.org_id, min(ids) - 1, args.sample, args.profile)
        c.log(
            f"engine, mixed, {len(timings)} events, decision: p50 {c.pct(timings, 50):.1f} ms, "
            f"p95 {c.pct(timings, 95):.1f} ms, mean {statistics.mean(timings):.1f} ms"
        )
        if acting:
            c.log(
                f"  its decision carried out, {len(acting)} events: p50 {c.pct(acting, 50):.1f} ms, "
                f"p95 {c.pct(acting, 95):.1f} ms, mean {statistics.mean(acting):.1f} ms"
            )
        return 0
    log_path = BENCH_DIR / "worker.log"
    results: list[Phase] = []
    polls: list[float | None] = [None] + ([args.poll] if args.poll is not None else [])
    worst_mix = {
        "comment.created": (("comment", 1),),
        "ticket.created": (("create", 1),),
        "ticket.updated": (("update", 1),),
    }.get(args.worst_event, (("transition", 1),))
    engine: dict[str, tuple[list[float], list[float]]] = {}
    for poll in polls:
        suffix = "" if poll is None else f", poll {poll:g} s"
        cases = [("mixed", mixed, mixed_stream, OPERATION_MIX)]
        if not args.skip_worst:
            cases.append(("single", single, single_stream, worst_mix))
        for key, org, stream, mix in cases:
            connection.close()
            c.wait_other_bench()
            with c.worker(socket_dir, log_path, args.workers, poll):
                time.sleep(8)  # the cluster starts its processes, the pusher polls
                label = (
                    f"{args.rules} rules over {len(rules_by_event)} event types (stream mix){suffix}"
                    if key == "mixed"
                    else f"{args.rules} rules on {args.worst_event} only{suffix}"
                )
                ops = args.events if key == "mixed" else max(20, args.events // 6)
                rate = args.rate if key == "mixed" else args.rate / 4
                phase = Phase(label=f"latency: {label}, {rate:g} ops/s")
                first = last_event_id()
                c.log(f"{phase.label}: {ops} operations")
                phase.ops = ops
                phase.seconds = paced(stream, ops, rate, mix)
                c.wait_for(lambda org=org, first=first: all_dispatched(org.org_id, first), 300, 0.5)
                collect(phase, org.org_id, first)
                results.append(phase)
            if poll is None:
                # Backlog written with the worker stopped, then drained by a fresh one.
                connection.close()
                first = last_event_id()
                n = args.backlog if key == "mixed" else max(20, args.backlog // 6)
                c.log(f"throughput ({key}): writing a backlog of {n} operations")
                for _ in range(n):
                    stream.op(_pick(stream.rng, mix))
                connection.close()
                phase = Phase(label=f"throughput: {label.split(',')[0]}, backlog of {n} ops")
                phase.ops = n
                c.wait_other_bench()
                with c.worker(socket_dir, log_path, args.workers, None):
                    c.wait_for(
                        lambda org=org, first=first: all_dispatched(org.org_id, first), 600, 0.5
                    )
                collect(phase, org.org_id, first)
                phase.latencies = {}
                phase.by_type = {}
                results.append(phase)
                c.log(
                    f"  {phase.events} events, {phase.throughput:.1f} events/s dispatched,"
                    f" {phase.drained:.1f} events/s with every decision carried out"
                )
                # The consumer alone, in-process (worker stopped), on copies of the stream's events.
                c.wait_other_bench()
                engine[key] = engine_cost(
                    org.org_id, first, args.sample, args.profile if key == "mixed" else None
                )
                connection.close()

    report(args, results, engine, rules_by_event, socket_dir, reused)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "phases": [
                        {
                            "label": p.label,
                            "ops": p.ops,
                            "events": p.events,
                            "undispatched": p.undispatched,
                            "p50": c.pct(p.all_ms(), 50),
                            "p95": c.pct(p.all_ms(), 95),
                            "p99": c.pct(p.all_ms(), 99),
                            "throughput": p.throughput,
                            "drained": p.drained,
                            "decided_p50": c.pct(p.decided, 50),
                            "decided_p95": c.pct(p.decided, 95),
                            "started_p50": c.pct(p.started, 50),
                            "started_p95": c.pct(p.started, 95),
                            "applied_p50": c.pct(p.applied, 50),
                            "applied_p95": c.pct(p.applied, 95),
                        }
                        for p in results
                    ],
                    "engine": {
                        k: {
                            "p50": c.pct(v, 50),
                            "p95": c.pct(v, 95),
                            "actions_p50": c.pct(a, 50),
                            "actions_p95": c.pct(a, 95),
                        }
                        for k, (v, a) in engine.items()
                    },
                },
                indent=2,
            )
        )
    return 0


def report(
    args: argparse.Namespace,
    results: list[Phase],
    engine: dict[str, tuple[list[float], list[float]]],
    rules_by_event: dict[str, int],
    socket_dir: str,
    reused: bool,
) -> None:
    print()
    print(f"Ruledesk rules dispatch benchmark, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {c.machine()}, {c.pg_version(socket_dir)}")
    print(
        f"rules: {args.rules} active per organization; 'mixed' per event type:"
        f" {', '.join(f'{k} {v}' for k, v in sorted(rules_by_event.items(), key=lambda kv: -kv[1]))}"
    )
    print(f"worker: manage.py worker (django-q2 ORM broker), RULEDESK_Q_WORKERS={args.workers}")
    print()
    header = (
        f"{'phase':<72} {'events':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'ev/s':>6}"
        f" {'match%':>6} {'eng p50':>7} {'eng p95':>7}"
    )
    print(header)
    print("-" * len(header))
    for p in results:
        ms = p.all_ms()
        match = 100 * p.matched / p.evaluated if p.evaluated else float("nan")
        print(
            f"{p.label[:72]:<72} {p.events:>6} {c.pct(ms, 50):>7.1f} {c.pct(ms, 95):>7.1f}"
            f" {c.pct(ms, 99):>7.1f} {p.throughput:>6.1f} {match:>6.1f}"
            f" {c.pct(p.engine_ms, 50):>7.1f} {c.pct(p.engine_ms, 95):>7.1f}"
        )
        for depth, values in sorted(p.latencies.items()):
            who = (
                "  caused by the stream (depth 0)"
                if depth == 0
                else "  caused by rules (depth >= 1)"
            )
            print(
                f"{who:<72} {len(values):>6} {c.pct(values, 50):>7.1f} {c.pct(values, 95):>7.1f}"
                f" {c.pct(values, 99):>7.1f}"
            )
        for kind, values in sorted(p.by_type.items()):
            print(
                f"{'    ' + kind:<72} {len(values):>6} {c.pct(values, 50):>7.1f}"
                f" {c.pct(values, 95):>7.1f} {c.pct(values, 99):>7.1f}"
            )
        if p.started and p.label.startswith("latency"):
            print(
                f"{'  task started (first delivery counted - commit)':<72}"
                f" {len(p.started):>6} {c.pct(p.started, 50):>7.1f} {c.pct(p.started, 95):>7.1f}"
                f" {c.pct(p.started, 99):>7.1f}"
            )
        if p.applied and p.label.startswith("latency"):
            print(
                f"{'  decision carried out (rules.decided dispatched - commit of the event)':<72}"
                f" {len(p.applied):>6} {c.pct(p.applied, 50):>7.1f} {c.pct(p.applied, 95):>7.1f}"
                f" {c.pct(p.applied, 99):>7.1f}"
            )
        if p.decided and p.label.startswith("latency"):
            print(
                f"{'  rules decided (first RuleExecution.created_at - commit)':<72}"
                f" {len(p.decided):>6} {c.pct(p.decided, 50):>7.1f} {c.pct(p.decided, 95):>7.1f}"
                f" {c.pct(p.decided, 99):>7.1f}"
            )
        if p.drained and p.label.startswith("throughput"):
            print(
                f"{'  with every decision carried out (actions, records)':<72} {'':>6} {'':>7}"
                f" {'':>7} {'':>7} {p.drained:>6.1f}"
            )
        if p.undispatched:
            print(f"  ({p.undispatched} events not dispatched within the wait)")
    print(
        "(latency: DomainEvent.dispatched_at - the commit that wrote the event, in ms"
        f" ({'commit timestamps' if all(p.from_commit for p in results) else 'created_at: no commit timestamps'});"
        " ev/s: dispatched events per second"
        " between the\n first and last dispatch; match%: matched / evaluated rule runs; eng: sum of"
        " RuleExecution.duration_ms per event,\n i.e. evaluation + actions of every rule, in ms)"
    )
    print()
    for key, (values, acting) in engine.items():
        if values:
            print(
                f"event_process alone, in-process ({key}, {len(values)} events): p50"
                f" {c.pct(values, 50):.1f} ms, p95 {c.pct(values, 95):.1f} ms,"
                f" mean {statistics.fmean(values):.1f} ms"
            )
        if acting:
            print(
                f"  then its decision carried out (decision_process, {len(acting)} events): p50"
                f" {c.pct(acting, 50):.1f} ms, p95 {c.pct(acting, 95):.1f} ms,"
                f" mean {statistics.fmean(acting):.1f} ms"
            )
    print("\nTargets (issue 4, 2 cores):")
    for p in results:
        if p.label.startswith("latency"):
            p95 = c.pct(p.all_ms(), 95)
            print(f"  dispatch p95 <= 20 ms ({p.label}): {p95:.1f} ms  [{c.verdict(p95 <= 20)}]")
            decided = c.pct(p.decided, 95)
            print(f"    rules decided p95: {decided:.1f} ms  [{c.verdict(decided <= 20)}]")
            if p.applied:
                applied = c.pct(p.applied, 95)
                print(f"    actions and records committed p95: {applied:.1f} ms (no target)")
    print(f"(data set {'reused' if reused else 'built in this run'})")


if __name__ == "__main__":
    sys.exit(main())
