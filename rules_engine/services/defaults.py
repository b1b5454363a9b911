"""The default rule set, installed idempotently in an organization."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from rules_engine import defaults
from rules_engine.models import Rule


def rules_install_defaults(*, organization_id: int) -> int:
    """Install the default rule set in an organization; idempotent. Returns rules created."""
    created = 0
    with transaction.atomic():
        have = set(
            Rule.objects.filter(organization_id=organization_id)
            .exclude(default_key="")
            .values_list("default_key", flat=True)
        )
        for spec in defaults.DEFAULT_RULES:
            if spec.key in have:
                continue
            try:
                with transaction.atomic():  # a concurrent install of the same rule wins
                    Rule.objects.create(
                        organization_id=organization_id,
                        name=spec.name,
                        description=spec.description,
                        event=spec.event,
                        conditions=spec.conditions,
                        actions=spec.actions,
                        position=spec.position,
                        default_key=spec.key,
                    )
            except IntegrityError:
                continue
            created += 1
    return created
