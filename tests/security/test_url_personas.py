"""Every URL pattern × method × persona against an expected status (style.md, Authorization).

The table below is the authority: a URL pattern added to the urlconf without a row
here fails `test_every_url_pattern_has_a_row_in_the_persona_table`. Objects named by a
URL (users, teams) belong to acme; the outsider is the admin of globex, so acme's
objects are invisible to them (404) while list endpoints show their own organization.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from ruledesk.access.api.views import matrix_body
from ruledesk.audit import services as audit
from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import Organization, Role, Team, User
from tests import factories
from tests.security import (
    attachment_rows,
    kb_rows,
    notification_rows,
    portal_rows,
    reporting_rows,
    rules_rows,
    sla_rows,
    snapshot,
    twins,
    workflow_rows,
)

PERSONAS = ("admin", "agent", "requester", "outsider", "anonymous")
# Patterns covered by one row for their root (Django's admin, static files).
OPAQUE_PREFIXES = ("django-admin/", "cms/")
PROBLEM = "application/problem+json"
# Routes outside /api/ that are not the web UI either.
NON_PORTAL = ("/healthz", "/readyz", "/metrics", "/django-admin/")


@dataclass
class World:
    acme: Organization
    globex: Organization
    personas: dict[str, User | None]
    target_user: User
    throwaway_user: User
    team: Team
    member: User
    joiner: User
    globex_team: Team
    globex_requester: User
    acme_marks: twins.Markers | None = None
    globex_marks: twins.Markers | None = None

    def seed_twins(self) -> None:
        """Marked objects in both organizations, for the leak check of answers that show data."""
        admin, requester = self.personas["admin"], self.personas["requester"]
        outsider = self.personas["outsider"]
        assert admin is not None and requester is not None and outsider is not None
        self.acme_marks = twins.seed(self.acme, admin, requester)
        self.globex_marks = twins.seed(self.globex, outsider, self.globex_requester)

    def acme_user_ids(self) -> set[int]:
        return set(User.objects.filter(organization=self.acme).values_list("pk", flat=True))


Request = Callable[[World, str], tuple[str, Any]]


@dataclass(frozen=True)
class Row:
    route: str
    method: str
    request: Request
    expect: dict[str, int]
    verify: Callable[[World, str, Any], None] | None = field(default=None, compare=False)


def expect(
    *, admin: int, agent: int, requester: int, outsider: int, anonymous: int
) -> dict[str, int]:
    return {
        "admin": admin,
        "agent": agent,
        "requester": requester,
        "outsider": outsider,
        "anonymous": anonymous,
    }


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


def at(path: str, body: Any = None) -> Request:
    return lambda world, persona: (path, body)


def _results_ids(response: Any) -> set[int]:
    return {item["id"] for item in response.json()["results"]}


def only_own_users(world: World, persona: str, response: Any) -> None:
    ids = _results_ids(response)
    caller = world.personas[persona]
    assert caller is not None and caller.pk in ids
    assert ids == set(
        User.live.filter(organization_id=caller.organization_id).values_list("pk", flat=True)
    )
    if persona == "outsider":
        assert ids.isdisjoint(world.acme_user_ids())


def only_own_teams(world: World, persona: str, response: Any) -> None:
    caller = world.personas[persona]
    assert caller is not None and caller.organization_id is not None
    expected = set(
        Team.objects.filter(organization_id=caller.organization_id).values_list("pk", flat=True)
    )
    assert _results_ids(response) == expected
    assert (world.globex_team.pk in expected) is (persona == "outsider")


def only_own_audit_events(world: World, persona: str, response: Any) -> None:
    caller = world.personas[persona]
    assert caller is not None
    ids = _results_ids(response)
    own = set(
        AuditEvent.objects.filter(organization_id=caller.organization_id).values_list(
            "pk", flat=True
        )
    )
    acme = set(
        AuditEvent.objects.filter(organization_id=world.acme.pk).values_list("pk", flat=True)
    )
    assert ids and ids <= own
    assert ids.isdisjoint(acme) is (persona == "outsider")


def own_matrix(world: World, persona: str, response: Any) -> None:
    caller = world.personas[persona]
    assert caller is not None and caller.organization_id is not None
    assert response.json() == matrix_body(caller.organization_id)


def own_credentials(world: World, persona: str) -> tuple[str, Any]:
    user = world.personas[persona]
    if user is None:
        return "/api/v1/auth/token", {"email": "nobody@acme.test", "password": "wrong-password-1"}
    return "/api/v1/auth/token", {"email": user.email, "password": factories.PASSWORD}


def new_user(world: World, persona: str) -> tuple[str, Any]:
    return "/api/v1/users", {"email": f"new-{persona}@example.test", "name": "New", "role": "agent"}


def target_user(body: Any = None) -> Request:
    return lambda world, persona: (f"/api/v1/users/{world.target_user.pk}", body)


def throwaway_user(world: World, persona: str) -> tuple[str, Any]:
    return f"/api/v1/users/{world.throwaway_user.pk}", None


def acme_team(body: Any = None) -> Request:
    return lambda world, persona: (f"/api/v1/teams/{world.team.pk}", body)


def membership_of(attr: str) -> Request:
    def build(world: World, persona: str) -> tuple[str, Any]:
        user = getattr(world, attr)
        return f"/api/v1/teams/{world.team.pk}/members/{user.pk}", None

    return build


def current_matrix(world: World, persona: str) -> tuple[str, Any]:
    user = world.personas[persona]
    org = user.organization_id if user is not None else world.acme.pk
    assert org is not None
    return "/api/v1/permission-matrix", matrix_body(org)


def acme_audit_event(world: World, persona: str) -> tuple[str, Any]:
    event = audit.record(
        actor=world.personas["admin"], action="team.create", obj_type="team", obj_id=world.team.pk
    )
    return f"/api/v1/audit-events/{event.pk}", None


MEMBERS_ONLY = expect(admin=200, agent=200, requester=200, outsider=200, anonymous=401)
STAFF_READ = expect(admin=200, agent=200, requester=403, outsider=200, anonymous=401)
STAFF_READ_ACME_OBJECT = expect(admin=200, agent=200, requester=403, outsider=404, anonymous=401)
ADMIN_CREATE = expect(admin=201, agent=403, requester=403, outsider=201, anonymous=401)
ADMIN_ONLY = expect(admin=200, agent=403, requester=403, outsider=200, anonymous=401)
ADMIN_CHANGES_ACME_OBJECT = expect(admin=200, agent=403, requester=403, outsider=404, anonymous=401)
ADMIN_REMOVES_ACME_OBJECT = expect(admin=204, agent=403, requester=403, outsider=404, anonymous=401)

TABLE: tuple[Row, ...] = (
    Row("healthz", "GET", at("/healthz"), everyone(200)),
    Row("readyz", "GET", at("/readyz"), everyone(200)),
    Row("metrics", "GET", at("/metrics"), everyone(401)),
    Row("api/schema/", "GET", at("/api/schema/"), everyone(200)),
    Row("api/docs/", "GET", at("/api/docs/"), everyone(200)),
    Row("django-admin/", "GET", at("/django-admin/"), everyone(302)),
    Row(
        "api/v1/auth/token",
        "POST",
        own_credentials,
        expect(admin=201, agent=201, requester=201, outsider=201, anonymous=401),
    ),
    Row(
        "api/v1/auth/token",
        "DELETE",
        at("/api/v1/auth/token"),
        expect(admin=204, agent=204, requester=204, outsider=204, anonymous=401),
    ),
    Row("api/v1/me", "GET", at("/api/v1/me"), MEMBERS_ONLY),
    Row("api/v1/me", "PATCH", at("/api/v1/me", {"name": "Renamed Me"}), MEMBERS_ONLY),
    Row("api/v1/users", "GET", at("/api/v1/users"), STAFF_READ, verify=only_own_users),
    Row("api/v1/users", "POST", new_user, ADMIN_CREATE),
    Row("api/v1/users/<int:pk>", "GET", target_user(), STAFF_READ_ACME_OBJECT),
    Row(
        "api/v1/users/<int:pk>",
        "PATCH",
        target_user({"name": "Renamed"}),
        ADMIN_CHANGES_ACME_OBJECT,
    ),
    Row("api/v1/users/<int:pk>", "DELETE", throwaway_user, ADMIN_REMOVES_ACME_OBJECT),
    Row("api/v1/teams", "GET", at("/api/v1/teams"), STAFF_READ, verify=only_own_teams),
    Row("api/v1/teams", "POST", at("/api/v1/teams", {"name": "Night shift"}), ADMIN_CREATE),
    Row("api/v1/teams/<int:pk>", "GET", acme_team(), STAFF_READ_ACME_OBJECT),
    Row(
        "api/v1/teams/<int:pk>",
        "PATCH",
        acme_team({"name": "Renamed team"}),
        ADMIN_CHANGES_ACME_OBJECT,
    ),
    Row("api/v1/teams/<int:pk>", "DELETE", acme_team(), ADMIN_REMOVES_ACME_OBJECT),
    Row(
        "api/v1/teams/<int:pk>/members/<int:user_id>",
        "POST",
        membership_of("joiner"),
        ADMIN_REMOVES_ACME_OBJECT,
    ),
    Row(
        "api/v1/teams/<int:pk>/members/<int:user_id>",
        "DELETE",
        membership_of("member"),
        ADMIN_REMOVES_ACME_OBJECT,
    ),
    Row(
        "api/v1/permission-matrix",
        "GET",
        at("/api/v1/permission-matrix"),
        ADMIN_ONLY,
        verify=own_matrix,
    ),
    Row("api/v1/permission-matrix", "PUT", current_matrix, ADMIN_ONLY, verify=own_matrix),
    Row(
        "api/v1/audit-events",
        "GET",
        at("/api/v1/audit-events"),
        ADMIN_ONLY,
        verify=only_own_audit_events,
    ),
    Row(
        "api/v1/audit-events",
        "POST",
        at("/api/v1/audit-events", {"action": "user.delete"}),
        expect(admin=405, agent=405, requester=405, outsider=405, anonymous=401),
    ),
    Row("api/v1/audit-events/<int:pk>", "GET", acme_audit_event, ADMIN_CHANGES_ACME_OBJECT),
    *(
        Row(
            "api/v1/audit-events/<int:pk>",
            method,
            acme_audit_event,
            expect(admin=405, agent=405, requester=405, outsider=405, anonymous=401),
        )
        for method in ("PUT", "PATCH", "DELETE")
    ),
)


TABLE += workflow_rows.rows(Row, expect, at)
TABLE += sla_rows.rows(Row, expect, at)
TABLE += rules_rows.rows(Row, expect, at)
TABLE += notification_rows.rows(Row, expect, at)
TABLE += portal_rows.rows(Row, expect, at)
TABLE += reporting_rows.rows(Row, expect, at)
TABLE += attachment_rows.rows(Row, expect, at)
TABLE += kb_rows.rows(Row, expect, at)


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(OPAQUE_PREFIXES):
                yield route
            else:
                yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and not route.startswith(
            django_settings.STATIC_URL.lstrip("/")
        ):
            yield route


def test_every_url_pattern_has_a_row_in_the_persona_table() -> None:
    routes = set(_walk(get_resolver().url_patterns))
    covered = {row.route for row in TABLE}
    assert routes - covered == set(), "URL patterns missing from the persona table"
    assert covered - routes == set(), "persona table rows for URL patterns that no longer exist"


@pytest.fixture
def world(
    acme: Organization,
    globex: Organization,
    admin: User,
    agent: User,
    requester: User,
    outsider: User,
    settings: Any,
) -> World:
    settings.RULEDESK_METRICS_TOKEN = ""
    settings.RULEDESK_METRICS_ALLOWED_IPS = []
    member = factories.user(acme, Role.AGENT, email="member@acme.test")
    globex_team = factories.team(globex, "Globex support")
    globex_requester = factories.user(globex, Role.REQUESTER, email="requester@globex.test")
    return World(
        acme=acme,
        globex=globex,
        personas={
            "admin": admin,
            "agent": agent,
            "requester": requester,
            "outsider": outsider,
            "anonymous": None,
        },
        target_user=factories.user(acme, Role.AGENT, email="target@acme.test"),
        throwaway_user=factories.user(acme, Role.REQUESTER, email="throwaway@acme.test"),
        team=factories.team(acme, "Support", member),
        member=member,
        joiner=factories.user(acme, Role.AGENT, email="joiner@acme.test"),
        globex_team=globex_team,
        globex_requester=globex_requester,
    )


CASES = [
    pytest.param(row, persona, id=f"{row.method} /{row.route} as {persona}")
    for row in TABLE
    for persona in PERSONAS
]


@pytest.mark.parametrize(("row", "persona"), CASES)
def test_route_answers_each_persona_with_the_expected_status(
    row: Row, persona: str, world: World, api: Callable[[User | None], APIClient]
) -> None:
    expected = row.expect[persona]
    if shows_data(row) and expected < 400:  # plant twins to look for in the answer
        world.seed_twins()
    path, body = row.request(world, persona)
    user = world.personas[persona]
    api_route = path.startswith("/api/") or path in NON_PORTAL
    if api_route:
        client = api(user)
    else:  # the web UI: a browser session and form posts
        client = api(None)
        if user is not None:
            client.force_login(user)
    before = snapshot.tables() if row.method != "GET" and expected >= 400 else None
    send = getattr(client, row.method.lower())
    if body is None:
        response = send(path)
    else:
        response = send(path, body, format="json") if api_route else send(path, body)

    assert response.status_code == expected, response.content[:500]
    if path.startswith("/api/") and expected >= 400:
        assert response["Content-Type"] == PROBLEM
        assert response.json()["status"] == expected
    if expected == 302 and path.startswith("/django-admin/"):
        assert response["Location"].startswith("/django-admin/login/")
    if (
        expected == 302
        and persona == "anonymous"
        and row.method == "GET"
        and path not in NON_PORTAL
    ):
        assert response["Location"].startswith("/login")
    if row.verify is not None and expected < 300:
        row.verify(world, persona, response)
    assert_no_leak(world, persona, response)
    if before is not None:
        assert snapshot.changes(before, snapshot.tables()) == {}, "a refused write changed data"


# POSTs that compute over stored data and answer with it (previews, simulations, dry runs).
READING_POSTS = ("preview", "simulate", "dry-run")


def shows_data(row: Row) -> bool:
    return row.method == "GET" or (
        row.method == "POST" and any(word in row.route for word in READING_POSTS)
    )


def assert_no_leak(world: World, persona: str, response: Any) -> None:
    """No other organization's object, and for a requester no internal text, in any answer."""
    if world.acme_marks is None or world.globex_marks is None or response.streaming:
        return
    content = response.content.decode("utf-8", "replace")
    foreign = world.acme_marks if persona == "outsider" else world.globex_marks
    assert foreign.shared not in content, "another organization's object leaked"
    assert foreign.internal not in content, "another organization's internal text leaked"
    if persona in ("requester", "anonymous"):
        assert world.acme_marks.internal not in content, "internal text reached a requester"


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ROUTES = sorted({row.route for row in TABLE if not row.route.startswith(OPAQUE_PREFIXES)})


@pytest.mark.parametrize("route", ROUTES)
def test_every_method_a_route_answers_has_its_own_row(
    route: str, world: World, api: Callable[[User | None], APIClient]
) -> None:
    """Coverage by route and method: a method without a row must be refused with 405, so a
    handler added to an old route cannot go unreviewed."""
    rows = [row for row in TABLE if row.route == route]
    listed = {row.method for row in rows}
    path, _ = rows[0].request(world, "admin")
    admin = world.personas["admin"]
    api_route = path.startswith("/api/") or path in NON_PORTAL
    client = api(admin) if api_route else api(None)
    if not api_route:
        assert admin is not None
        client.force_login(admin)
    answered = {}
    for method in sorted(set(METHODS) - listed):
        answered[method] = getattr(client, method.lower())(path).status_code
    assert {m: s for m, s in answered.items() if s != 405} == {}
