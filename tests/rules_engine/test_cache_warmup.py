"""The worker command parses every active rule set before it forks its workers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruledesk.ops.warmup import warm_up
from ruledesk.tenancy.models import User
from rules_engine import services
from rules_engine.services import dispatch
from tests.rules_engine.conftest import dispatch_all, make_rule, ticket


def test_warming_parses_each_active_rule_set_so_the_first_event_parses_nothing(
    admin: User, requester: User
) -> None:
    org = admin.organization_id
    make_rule(admin, name="On create")
    make_rule(admin, name="On comment", event="comment.created")
    make_rule(admin, name="Off", event="ticket.updated", active=False)
    dispatch._COMPILED.clear()

    assert services.rules_cache_warm() == 2

    assert sorted(key for key in dispatch._COMPILED if key[0] == org) == [
        (org, "comment.created"),
        (org, "ticket.created"),
    ]
    ticket(requester)
    with CaptureQueriesContext(connection) as queries:
        dispatch_all()
    rule_loads = [q["sql"] for q in queries.captured_queries if '"conditions"' in q["sql"]]
    assert [sql for sql in rule_loads if "rules_engine_rule" in sql.split("FROM")[1]] == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_warm_up_runs_the_rules_one_and_leaves_no_connection_open(
    admin: User,
) -> None:
    make_rule(admin, name="On create")
    dispatch._COMPILED.clear()

    assert warm_up() == ["rules"]

    assert (admin.organization_id, "ticket.created") in dispatch._COMPILED
    assert connection.connection is None  # closed: forked workers must not share it
