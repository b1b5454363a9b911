# RateCounter now belongs to ruledesk.ratelimit (ratelimit.0001 took over its state);
# the table api_ratecounter stays, so nothing happens in the database.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0003_rate_counters'),
        ('ratelimit', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='RateCounter')],
            database_operations=[],
        ),
    ]
