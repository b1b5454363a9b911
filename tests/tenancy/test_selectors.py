"""Tenancy selectors: which e-mail addresses a viewer may read."""

from __future__ import annotations

import pytest

from ruledesk.tenancy.models import Organization, Role, User
from ruledesk.tenancy.selectors import email_visible_to
from tests import factories


@pytest.fixture
def requester2(acme: Organization) -> User:
    return factories.user(acme, Role.REQUESTER, email="dave@acme.test", name="Dave Requester")


@pytest.mark.parametrize(
    ("viewer", "user", "visible"),
    [
        ("requester", "requester", True),  # their own address
        ("requester", "requester2", True),  # another requester's
        ("requester", "agent", False),
        ("requester", "admin", False),
        ("agent", "requester", True),
        ("agent", "admin", True),
        ("admin", "agent", True),
        (None, "agent", True),  # no viewer: an admin-only list
    ],
)
def test_requesters_never_read_staff_email_addresses(
    request: pytest.FixtureRequest, viewer: str | None, user: str, visible: bool, requester2: User
) -> None:
    seen = request.getfixturevalue(viewer) if viewer else None
    shown = request.getfixturevalue(user)
    assert email_visible_to(seen, shown) == (shown.email if visible else None)
