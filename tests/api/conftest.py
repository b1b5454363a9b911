"""Shared set-up for the API convention tests.

Logins and user creation hash passwords; the default PBKDF2 cost would make the
rate-limit tests (dozens of logins) slow without testing anything extra.
"""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
