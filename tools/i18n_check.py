"""The Polish catalogue is complete and current (ui.md target I1, first half).

Runs `makemessages` over the project the way `make messages` does, compares the
result with the committed catalogue (ignoring the creation date), restores the
committed file, and counts untranslated and fuzzy entries. Exit 1 on any drift.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/pl/LC_MESSAGES/django.po"
IGNORED = ("tests/*", "bench/*", "tools/*", "docs/*")


def make_messages() -> None:
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruledesk.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    os.chdir(ROOT)
    call_command(
        "makemessages", locale=["pl"], ignore_patterns=list(IGNORED), no_location=True, verbosity=0
    )


def untranslated(text: str) -> list[str]:
    problems = []
    for block in text.split("\n\n")[1:]:
        if not block.strip():
            continue
        if "fuzzy" in block.split("msgid", 1)[0]:
            problems.append("fuzzy: " + block.strip().splitlines()[-1])
        for line_no, line in enumerate(block.splitlines()):
            if re.match(r'^msgstr(\[\d\])? ""$', line):
                rest = block.splitlines()[line_no + 1 : line_no + 2]
                if not rest or not rest[0].startswith('"'):
                    problems.append("untranslated: " + block.split("\n", 1)[0][:120])
    return problems


def without_dates(text: str) -> str:
    return re.sub(r'"POT-Creation-Date: .*\\n"\n', "", text)


def main() -> int:
    committed = PO.read_text()
    with tempfile.TemporaryDirectory() as keep:
        saved = Path(keep) / "django.po"
        shutil.copy(PO, saved)
        try:
            make_messages()
            fresh = PO.read_text()
        finally:
            shutil.copy(saved, PO)
    status = 0
    if without_dates(fresh) != without_dates(committed):
        print("locale/pl/LC_MESSAGES/django.po is stale: run `make messages` and translate.")
        status = 1
    problems = untranslated(committed)
    for problem in problems:
        print(problem)
    if problems:
        status = 1
    print(f"Polish catalogue: {len(problems)} untranslated or fuzzy entries.")
    return status


if __name__ == "__main__":
    sys.exit(main())
