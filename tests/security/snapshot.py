"""A fingerprint of every table the product owns, to prove a refused write changed nothing."""

from __future__ import annotations

from django.apps import apps
from django.db import connection

# Tables a refused request may rightly write to: the refusal's own bookkeeping.
BOOKKEEPING = {
    "api_loginattempt",  # a failed sign-in is logged
    "api_ratecounter",  # and counted against its limit (ratelimit's table kept its old name)
    "api_apitoken",  # last_used_at moves on every authenticated request
}
# Ours, plus the queue (a refused write must not enqueue) and object permissions.
APPS = (
    "access",
    "api",
    "audit",
    "events",
    "notifications",
    "ratelimit",
    "rules_engine",
    "tenancy",
    "workflows",
    "django_q",
    "guardian",
)


def _tables() -> list[str]:
    names = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in APPS
    }
    return sorted(names - BOOKKEEPING)


def tables() -> dict[str, str]:
    """table -> md5 of all its rows, in one query."""
    names = _tables()
    # Table names come from the model registry, never from input; quoted all the same.
    digest = "SELECT %s, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM "
    parts = [digest + f"{connection.ops.quote_name(name)} AS t" for name in names]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), names)
        return dict(cursor.fetchall())


def changes(before: dict[str, str], after: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {
        name: (before.get(name, ""), after.get(name, ""))
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name)
    }
