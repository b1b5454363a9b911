"""The cast every test can call on: admin, agent, requester (all of acme),
outsider (admin of another organization, globex) and anonymous.

The database cache lives in the test database, so cached grants and rate-limit
counters roll back with each test like every other row.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from ruledesk.api.authentication import token_issue
from ruledesk.tenancy.models import Organization, Role, User
from tests import factories, processes
from tests.notifications.conftest import smtp  # noqa: F401 - a real SMTP server for every suite


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Hash with MD5 in tests: PBKDF2's real cost would dominate the suite (passwords are still checked)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def acme(db: None) -> Organization:
    return factories.organization("acme", name="Acme")


@pytest.fixture
def globex(db: None) -> Organization:
    return factories.organization("globex", name="Globex")


@pytest.fixture
def admin(acme: Organization) -> User:
    return factories.user(acme, Role.ADMIN, email="admin@acme.test", name="Alice Admin")


@pytest.fixture
def agent(acme: Organization) -> User:
    return factories.user(acme, Role.AGENT, email="agent@acme.test", name="Bob Agent")


@pytest.fixture
def requester(acme: Organization) -> User:
    return factories.user(acme, Role.REQUESTER, email="requester@acme.test", name="Carol Requester")


@pytest.fixture
def outsider(globex: Organization) -> User:
    return factories.user(globex, Role.ADMIN, email="admin@globex.test", name="Oscar Outsider")


@pytest.fixture
def api() -> Callable[[User | None], APIClient]:
    """`api(user)` gives a client authenticated with a real bearer token; `api(None)` is anonymous."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            raw, _ = token_issue(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture
def cluster(transactional_db: None, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real `manage.py worker` (django-q2 cluster) on this test's database; stopped after."""
    process = processes.start_worker(tmp_path / "worker.log")
    try:
        processes.wait_ready(process)
        yield process
    finally:
        processes.stop(process)
