"""Session servers (moto S3, clamd) and per-test settings pointing the app at them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from tests.workflows.attachments import servers


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with servers.moto_s3() as endpoint:
        servers.make_bucket(endpoint)
        yield endpoint


@pytest.fixture(scope="session")
def clamd_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with servers.real_clamd(tmp_path_factory.mktemp("clamd")) as address:
        yield address


@pytest.fixture
def s3(settings: Any, s3_endpoint: str) -> str:
    """Attachments stored in moto's S3 over HTTP for this test."""
    settings.STORAGES = servers.s3_storages(s3_endpoint, django_settings.STORAGES)
    return s3_endpoint


@pytest.fixture
def local_files(settings: Any, tmp_path: Path) -> Path:
    """Attachments stored as local files (the default backend) in a fresh directory."""
    base = dict(django_settings.STORAGES)
    base["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "attachments"), "base_url": None},
    }
    settings.STORAGES = base
    return tmp_path / "attachments"


@pytest.fixture
def clamd(settings: Any, clamd_address: str) -> str:
    settings.RULEDESK_CLAMD = clamd_address
    return clamd_address
