"""The audit log list costs the same number of queries for 1 event as for 30."""

from __future__ import annotations

from ruledesk.tenancy import services as tenancy
from ruledesk.tenancy.models import Organization, Role, User
from tests import factories
from tests.queries import list_queries

PATH = "/api/v1/audit-events?object_type=team&page_size=100"


def test_audit_event_list_query_count_does_not_grow_with_rows(
    api, acme: Organization, admin: User
) -> None:
    tenancy.team_create(actor=admin, organization=acme, name="Team first")
    client = api(admin)
    client.get("/api/v1/audit-events")  # warm the grants cache and the token's last-use stamp
    one_queries, one_rows = list_queries(client, PATH)
    for n in range(29):
        # Each team by another admin: every event names its own actor.
        other = factories.user(acme, Role.ADMIN, email=f"admin{n}@acme.test")
        tenancy.team_create(actor=other, organization=acme, name=f"Team {n}")
    many_queries, many_rows = list_queries(client, PATH)
    assert (one_rows, many_rows) == (1, 30)
    assert many_queries == one_queries
