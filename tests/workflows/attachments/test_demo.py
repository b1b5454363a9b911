"""`seed_demo` leaves attachments to look at: a public screenshot and an internal log."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures import demo
from workflows.attachments.models import Attachment

pytestmark = pytest.mark.django_db


def test_demo_seed_attaches_files_and_is_idempotent(local_files: Path) -> None:
    demo.seed()
    first = Attachment.objects.count()
    demo.seed()

    assert Attachment.objects.count() == first > 0
    assert set(Attachment.objects.values_list("visibility", flat=True)) == {"public", "internal"}
    assert set(Attachment.objects.values_list("content_type", flat=True)) == {
        "image/png",
        "text/plain",
    }
    for row in Attachment.objects.all():
        assert (local_files / row.key).exists()
