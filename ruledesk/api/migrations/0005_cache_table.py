# The database cache's table (settings.CACHES, "ruledesk_cache"), so that `migrate` is the
# one command a fresh database needs before `seed_demo` or the first request.
# `createcachetable` skips tables that exist, so databases made before this migration
# (where `make migrate` ran it separately) are left as they are.

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0004_ratecounter_moved_to_ratelimit'),
    ]

    operations = [
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False),
    ]
