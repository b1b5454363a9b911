"""gunicorn accepts request lines up to its maximum, 8190 bytes, wherever the project starts it.

Its default (4094) refused a 5 KB query string (a long `q`, a filter with many ids)
with an HTML 414 before Django saw the request (issue 16).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from ruledesk import runner

ROOT = Path(__file__).resolve().parents[2]
# The literal, or the runner's constant (checked to be 8190 below).
LIMIT = re.compile(r"""--limit-request-line["',\s=]+(8190\b|str\(REQUEST_LINE_LIMIT\))""")


def _starts_gunicorn() -> dict[str, int]:
    """Tracked files that start the WSGI app, and how often each does."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    found = {}
    for name in tracked:
        if name.endswith(".md") or name.startswith("tests/"):
            continue
        path = ROOT / name
        if not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        if "ruledesk.wsgi:application" in text:
            found[name] = text.count("ruledesk.wsgi:application")
    return found


def test_every_gunicorn_start_sets_the_request_line_limit_to_8190() -> None:
    starts = _starts_gunicorn()

    assert {"Dockerfile", "ruledesk/runner.py", "bench/tickets.py"} <= set(starts)
    for name, count in starts.items():
        text = (ROOT / name).read_text()
        assert len(LIMIT.findall(text)) == count, name


def test_make_run_starts_gunicorn_through_the_runner() -> None:
    makefile = (ROOT / "Makefile").read_text()

    assert "$(PY) -m ruledesk.runner" in makefile
    assert "gunicorn" not in makefile  # no second way to start it


def test_compose_web_runs_the_image_command() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    web = compose.split("\n  web:\n", 1)[1].split("\n  worker:\n", 1)[0]

    assert "command:" not in web  # so it runs the Dockerfile's CMD, with the limit


def test_the_runner_passes_the_limit_to_gunicorn() -> None:
    argv = runner.web_argv(8000)

    assert argv[argv.index("--limit-request-line") + 1] == "8190"
    assert runner.REQUEST_LINE_LIMIT == 8190
