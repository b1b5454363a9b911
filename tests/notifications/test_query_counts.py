"""The notification-template list costs the same number of queries for 1 row as for 30."""

from __future__ import annotations

import itertools

from ruledesk.notifications.models import Channel, Kind
from ruledesk.notifications.services import template_create
from ruledesk.tenancy.models import Locale, User
from tests.queries import list_queries

PATH = "/api/v1/notification-templates?page_size=100"


def test_template_list_query_count_does_not_grow_with_rows(api, admin: User) -> None:
    overrides = list(itertools.product(Kind.values, Channel.values, Locale.values))[:30]
    assert len(overrides) == 30

    def override(event: str, channel: str, locale: str) -> None:
        template_create(
            actor=admin, event=event, channel=channel, locale=locale, subject="S", body="B"
        )

    override(*overrides[0])
    client = api(admin)
    client.get(PATH)  # warm the grants cache and the token's last-use stamp
    one_queries, one_rows = list_queries(client, PATH)
    for row in overrides[1:]:
        override(*row)
    many_queries, many_rows = list_queries(client, PATH)
    assert (one_rows, many_rows) == (1, 30)
    assert many_queries == one_queries
