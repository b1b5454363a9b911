"""Scanner failures never release a file: attempts count, the sweep retries with backoff,
the last failure parks it as `error`. A fake clamd (same INSTREAM protocol) plays the
failure modes; the real one (test_s3_flow) the verdicts."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from ruledesk.audit.models import AuditEvent
from ruledesk.tenancy.models import User
from tests.workflows.attachments import servers
from tests.workflows.attachments.helpers import TEXT, multipart, run_queued
from workflows import services
from workflows.attachments import scanner, scanning
from workflows.attachments.models import Attachment, ScanStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploaded(api: Any, requester: User, local_files: Path) -> Attachment:
    ticket = services.ticket_create(actor=requester, title="Logs")
    answer = multipart(api(requester), ticket.pk, TEXT, "app.log")
    assert answer.status_code == 201
    return Attachment.objects.get(pk=answer.json()["id"])


def test_the_client_reads_verdicts_from_the_protocol() -> None:
    with servers.fake_clamd("ok") as address:
        clamd = scanner.Clamd(address, timeout=5)
        assert clamd.scan([b"clean"]) is None
        assert clamd.scan([b"x" * 300_000, servers.MARKER]) == servers.SIGNATURE


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("slow", scanner.ScanError),
        ("garbage", scanner.ScanError),
        ("close", scanner.ScanError),
    ],
)
def test_failure_modes_raise(mode: str, error: type[Exception]) -> None:
    with servers.fake_clamd(mode) as address, pytest.raises(error):
        scanner.Clamd(address, timeout=1).scan([TEXT])


def test_over_the_stream_limit_is_too_large() -> None:
    with servers.fake_clamd("ok", max_stream=1000) as address, pytest.raises(scanner.TooLarge):
        scanner.Clamd(address, timeout=5).scan([b"a" * 5000])


def test_clamd_down_is_a_scan_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(scanner.ScanError):
        scanner.Clamd(f"tcp://127.0.0.1:{port}", timeout=1).scan([TEXT])


def test_failed_scans_retry_and_never_release(
    uploaded: Attachment, settings: Any, api: Any, requester: User
) -> None:
    settings.RULEDESK_CLAMD_TIMEOUT_SECONDS = 1
    settings.RULEDESK_ATTACHMENT_SCAN_ATTEMPTS = 3
    with servers.fake_clamd("garbage") as address:
        settings.RULEDESK_CLAMD = address
        assert run_queued("scan_attachment") == ["retry"]
        uploaded.refresh_from_db()
        assert (uploaded.scan_status, uploaded.scan_attempts) == (ScanStatus.PENDING, 1)
        assert uploaded.key.startswith("quarantine/")

        # Not due yet: the sweep waits out the backoff.
        assert scanning.sweep()["rescans"] == 0
        later = timezone.now() + timedelta(minutes=5)
        assert scanning.sweep(now=later)["rescans"] == 1
        assert run_queued("scan_attachment") == ["retry"]
        assert scanning.sweep(now=later + timedelta(minutes=10))["rescans"] == 1
        assert run_queued("scan_attachment") == ["error"]

    uploaded.refresh_from_db()
    assert uploaded.scan_status == ScanStatus.ERROR
    assert not uploaded.downloadable
    assert api(requester).get(f"/api/v1/attachments/{uploaded.pk}/download").status_code == 409
    assert AuditEvent.objects.filter(action="attachment.scan_failed").count() == 1
    assert scanning.sweep(now=later + timedelta(hours=5))["rescans"] == 0


def test_a_recovered_scanner_releases_on_retry(uploaded: Attachment, settings: Any) -> None:
    with servers.fake_clamd("close") as address:
        settings.RULEDESK_CLAMD = address
        assert run_queued("scan_attachment") == ["retry"]
    with servers.fake_clamd("ok") as address:
        settings.RULEDESK_CLAMD = address
        with time_machine.travel(timezone.now() + timedelta(minutes=5)):
            scanning.sweep()
        assert run_queued("scan_attachment") == ["clean"]
    uploaded.refresh_from_db()
    assert uploaded.scan_status == ScanStatus.CLEAN


def test_scanning_off_releases_marked_not_scanned(uploaded: Attachment, settings: Any) -> None:
    settings.RULEDESK_CLAMD = "off"

    assert run_queued("scan_attachment") == ["clean"]

    uploaded.refresh_from_db()
    assert uploaded.scan_error == scanning.NOT_SCANNED


def test_a_scan_runs_once(uploaded: Attachment, settings: Any) -> None:
    with servers.fake_clamd("ok") as address:
        settings.RULEDESK_CLAMD = address
        assert scanning.scan(uploaded.pk) == "clean"
        assert scanning.scan(uploaded.pk) == "skipped"
