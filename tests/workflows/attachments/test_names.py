"""File names are display metadata, normalized before anything validates or shows them."""

from __future__ import annotations

import pytest

from workflows.attachments.names import MAX_NAME_LENGTH, normalize_filename


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\evil.txt", "evil.txt"),
        ("/abs/path/log.txt", "log.txt"),
        ("nul\x00byte.txt", "nulbyte.txt"),
        ("ctrl\r\n\tchars.txt", "ctrlchars.txt"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),  # RTL override: no reversed display
        ("a\u200bb\u200c\u200d\ufeffc.txt", "abc.txt"),  # zero-width characters
        ("\uff52\uff45\uff50\uff4f\uff52\uff54.txt", "report.txt"),  # NFKC (full-width)
        ("...", "file"),
        ("..", "file"),
        ("", "file"),
        (".htaccess", "htaccess"),
        ("  spaced   out  .txt", "spaced out .txt"),
        ("raport końcowy.pdf", "raport końcowy.pdf"),
    ],
)
def test_names_are_normalized(raw: str, expected: str) -> None:
    assert normalize_filename(raw) == expected


def test_long_names_are_capped_keeping_the_extension() -> None:
    name = normalize_filename("x" * 1000 + ".pdf")

    assert len(name) == MAX_NAME_LENGTH
    assert name.endswith(".pdf")
