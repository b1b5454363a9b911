"""`make run`: the web server and the django-q2 worker together, stopped together.

This process also holds the embedded PostgreSQL (when no DATABASE_URL is set),
so the database lives exactly as long as the app: it starts before the
children and stops after the last of them exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

from ruledesk.env import env_int, env_str

DEMO_LOGINS = ("admin", "agent", "agent2", "requester", "requester2")
# The longest request line (method, URL, version) gunicorn accepts: its maximum.
REQUEST_LINE_LIMIT = 8190


def _hold_database() -> None:
    if env_str("DATABASE_URL"):
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruledesk.settings")
    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()  # starts or joins the embedded server
    connection.close()


# gunicorn's default format with %(U)s (path) in place of %(r)s (request line with query).
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s"'


def web_argv(port: int) -> list[str]:
    """gunicorn as `make run` starts it (the Dockerfile's CMD says the same)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "ruledesk.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(env_int("RULEDESK_WEB_WORKERS", 2, minimum=1)),
        "--access-logfile",
        "-",
        # The path without its query string: signed file URLs (`?t=`) are never logged.
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--graceful-timeout",
        "10",
        # gunicorn's maximum (its default, 4094, refuses a 5 KB `q` with an HTML 414).
        "--limit-request-line",
        str(REQUEST_LINE_LIMIT),
    ]


def main() -> int:
    port = env_int("PORT", 8000, minimum=1)
    _hold_database()
    web = web_argv(port)
    worker = [sys.executable, "manage.py", "worker"]
    children = [subprocess.Popen(web), subprocess.Popen(worker)]  # noqa: S603 - fixed argv
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    _announce(port)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.5)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    print("Ruledesk stopped.", flush=True)  # noqa: T201 - console program
    return 0 if stopping else 1


def _announce(port: int) -> None:
    lines = [
        "",
        f"Ruledesk is running at http://127.0.0.1:{port}/  (API docs: /api/docs/)",
        "Demo logins (password demo-password-123):",
        *(f"  {name}@acme.test   {name}@globex.test" for name in DEMO_LOGINS),
        "Press Ctrl-C to stop.",
        "",
    ]
    print("\n".join(lines), flush=True)  # noqa: T201 - console program


if __name__ == "__main__":
    sys.exit(main())
