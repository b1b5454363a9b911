"""`manage.py migrate` alone creates the database cache table (issue 16).

A fresh database that was migrated and then seeded failed with `relation
"ruledesk_cache" does not exist`, because only `make migrate` also ran
`createcachetable`. The end-to-end path (fresh database, `migrate`, `seed_demo`,
gunicorn) is `tests/docs/conftest.py`'s demo server.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

TABLE = settings.CACHES["default"]["LOCATION"]


def test_migrating_the_api_app_creates_the_cache_table(db) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{TABLE}"')
    call_command("migrate", "api", "0004", verbosity=0)
    assert TABLE not in connection.introspection.table_names()

    call_command("migrate", "api", verbosity=0)

    assert TABLE in connection.introspection.table_names()
    cache.set("probe", "ok")
    assert cache.get("probe") == "ok"


def test_migrating_again_keeps_the_table_and_its_rows(db) -> None:
    cache.set("kept", "yes")
    call_command("migrate", "api", "0004", verbosity=0)
    call_command("migrate", "api", verbosity=0)

    assert cache.get("kept") == "yes"
