"""Display names of uploaded files: normalized before anything validates or shows them."""

from __future__ import annotations

import unicodedata

MAX_NAME_LENGTH = 200
FALLBACK = "file"


def normalize_filename(raw: str) -> str:
    """NFKC; control, format (bidi overrides, zero-width) and separator characters removed;
    no path parts; no leading dots; capped at MAX_NAME_LENGTH keeping the extension."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            continue
        kept.append(" " if category == "Zs" else char)
    name = " ".join("".join(kept).split())  # collapse runs of spaces, trim
    name = name.lstrip(".").strip()
    if name in ("", ".", ".."):
        return FALLBACK
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = stem[: MAX_NAME_LENGTH - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH].rstrip()
    return name
