"""The scan runs in the real django-q2 worker after `complete`: S3 (moto over HTTP) and
Debian's clamd, configured for the worker process through its environment."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ruledesk.tenancy.models import User
from tests import processes
from tests.workflows.attachments import servers
from tests.workflows.attachments.helpers import TEXT, start
from workflows import services
from workflows.attachments.models import Attachment, ScanStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def s3_worker(
    transactional_db: None, tmp_path: Path, s3: str, clamd: str
) -> Iterator[subprocess.Popen[bytes]]:
    process = processes.start_worker(
        tmp_path / "worker.log",
        RULEDESK_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME=servers.BUCKET,
        AWS_S3_ENDPOINT_URL=s3,
        AWS_ACCESS_KEY_ID=servers.KEYS["access_key"],
        AWS_SECRET_ACCESS_KEY=servers.KEYS["secret_key"],
        RULEDESK_CLAMD=clamd,
    )
    try:
        processes.wait_ready(process)
        yield process
    finally:
        processes.stop(process)


def _upload(api: Any, user: User, ticket_id: int, data: bytes) -> int:
    started = start(api(user), ticket_id, data).json()
    upload = started["upload"]
    assert requests.put(upload["url"], data=data, headers=upload["headers"], timeout=10).ok
    done = api(user).post(f"/api/v1/attachments/{started['id']}/complete")
    assert done.status_code == 200, done.json()
    return int(started["id"])


def _status(attachment_id: int) -> str:
    return str(Attachment.objects.get(pk=attachment_id).scan_status)


def test_the_worker_scans_and_releases_or_quarantines(
    api: Any, requester: User, agent: User, s3_worker: subprocess.Popen[bytes]
) -> None:
    ticket = services.ticket_create(actor=requester, title="Worker scan")
    clean = _upload(api, requester, ticket.pk, TEXT)
    infected = _upload(api, requester, ticket.pk, TEXT + servers.MARKER)

    processes.wait_for(lambda: _status(clean) == ScanStatus.CLEAN, s3_worker)
    processes.wait_for(lambda: _status(infected) == ScanStatus.INFECTED, s3_worker)

    link = api(agent).get(f"/api/v1/attachments/{clean}/download")
    assert requests.get(link.json()["url"], timeout=10).content == TEXT
    assert api(agent).get(f"/api/v1/attachments/{infected}/download").status_code == 409
