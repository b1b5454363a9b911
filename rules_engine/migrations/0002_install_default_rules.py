"""Install the default rule set in every organization that exists before the rules engine."""

from django.db import migrations


def install(apps, schema_editor):
    from rules_engine.defaults import DEFAULT_RULES

    Organization = apps.get_model("tenancy", "Organization")
    Rule = apps.get_model("rules_engine", "Rule")
    for org_id in Organization.objects.values_list("pk", flat=True):
        have = set(
            Rule.objects.filter(organization_id=org_id)
            .exclude(default_key="")
            .values_list("default_key", flat=True)
        )
        Rule.objects.bulk_create(
            [
                Rule(
                    organization_id=org_id,
                    name=spec.name,
                    description=spec.description,
                    event=spec.event,
                    conditions=spec.conditions,
                    actions=spec.actions,
                    position=spec.position,
                    default_key=spec.key,
                )
                for spec in DEFAULT_RULES
                if spec.key not in have
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("rules_engine", "0001_rules_and_executions")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
