"""Test-data builders. They go through the services, so test data obeys the same rules."""

from __future__ import annotations

import itertools

from ruledesk.events.models import DomainEvent, EventStatus
from ruledesk.tenancy import services as tenancy
from ruledesk.tenancy.models import Organization, Role, Team, User

PASSWORD = "a-Strong-test-password-42"
_seq = itertools.count(1)


def organization(slug: str | None = None, **extra: str) -> Organization:
    n = next(_seq)
    slug = slug or f"org{n}"
    org = tenancy.organization_create(
        slug=slug, name=extra.get("name", slug.title()), timezone_name=extra.get("timezone", "UTC")
    )
    # Test organizations start bare: their setup event counts as handled (its task
    # becomes a no-op), so no default rule runs unless a test installs the set itself.
    DomainEvent.objects.filter(organization_id=org.pk, type="organization.created").update(
        status=EventStatus.DISPATCHED
    )
    return org


def user(
    org: Organization,
    role: str = Role.REQUESTER,
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
) -> User:
    n = next(_seq)
    return tenancy.user_create(
        actor=None,
        organization=org,
        email=email or f"{role}{n}@{org.slug}.test",
        name=name or f"{role.title()} {n}",
        role=role,
        password=password,
    )


def team(org: Organization, name: str | None = None, *members: User) -> Team:
    created = tenancy.team_create(actor=None, organization=org, name=name or f"Team {next(_seq)}")
    for member in members:
        tenancy.team_member_add(actor=None, team=created, user=member)
    return created
