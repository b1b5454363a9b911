# RateCounter moved here from the API app (ruledesk.api) with its table: the table
# api.0003 created stays as it is, only Django's model state changes owner.

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('api', '0003_rate_counters'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='RateCounter',
                    fields=[
                        ('key', models.CharField(max_length=100, primary_key=True, serialize=False)),
                        ('window_start', models.BigIntegerField()),
                        ('count', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'api_ratecounter',
                        'indexes': [models.Index(fields=['window_start'], name='ratecounter_window_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
