"""Tokens of a ticket title for the category model: folded words and word pairs."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "ß": "ss"})
MAX_WORDS = 40
MAX_TOKEN = 80


def fold(text: str) -> str:
    """Lower case without diacritics (ł included, which NFKD leaves alone)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    found = [_DIGITS.sub("0", word) for word in _WORD.findall(fold(text))]
    return [word for word in found if len(word) > 1][:MAX_WORDS]


def tokens(text: str) -> list[str]:
    """Unigrams and bigrams of the folded words (digits masked), each at most 80 chars."""
    found = words(text)
    pairs = [f"{a} {b}" for a, b in zip(found, found[1:], strict=False)]
    return [token[:MAX_TOKEN] for token in (*found, *pairs)]
