"""NOTIFY `ruledesk_queue` whenever tasks are queued (see ruledesk/events/broker.py).

Statement-level: one notification per INSERT however many rows it writes, and
PostgreSQL folds identical notifications of one transaction into one, delivered
at commit.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION ruledesk_queue_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ruledesk_queue', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER ruledesk_queue_notify
    AFTER INSERT ON django_q_ormq
    FOR EACH STATEMENT EXECUTE FUNCTION ruledesk_queue_notify();
"""

DROP = """
DROP TRIGGER IF EXISTS ruledesk_queue_notify ON django_q_ormq;
DROP FUNCTION IF EXISTS ruledesk_queue_notify();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_event_delivery_watchdog"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
