"""Persona tests create several users per case; the default PBKDF2 cost tests nothing here."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Settings, tmp_path: Path) -> None:
    """Knowledge-base images and documents of the /cms/ rows are written here."""
    settings.MEDIA_ROOT = tmp_path / "media"
