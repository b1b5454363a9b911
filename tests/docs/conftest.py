"""`demo_server`: Ruledesk as a deployment runs it, on a database of its own.

A fresh database, `manage.py migrate` (the one command a deployment needs: it creates
the cache table too), `manage.py seed_demo`, then gunicorn started exactly as
`make run` starts it (`ruledesk.runner.web_argv`). Tests that use it run on one xdist
worker (`xdist_group`), which builds it once.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from ruledesk import runner

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _admin_connection(params: dict[str, Any]) -> psycopg.Connection:
    return psycopg.connect(
        host=params.get("host") or "",
        port=params.get("port") or 5432,
        user=params.get("user") or "postgres",
        password=params.get("password") or "",
        dbname="postgres",
        autocommit=True,
    )


def _url(params: dict[str, Any], name: str) -> str:
    user = quote(params.get("user") or "postgres", safe="")
    password = params.get("password") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = quote(str(params.get("host") or ""), safe="")
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgresql://{credentials}@{host}{port}/{name}"


def _manage(env: dict[str, str], log: Path, *args: str) -> None:
    with log.open("ab") as out:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=600,
            check=False,
        )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{log.read_text()}"


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"gunicorn exited:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"gunicorn did not answer in {START_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL (`http://127.0.0.1:PORT`) of gunicorn serving freshly seeded demo data."""
    params = connection.get_connection_params()
    name = f"demo_{secrets.token_hex(4)}"
    log = tmp_path_factory.mktemp("demo") / "server.log"
    with _admin_connection(params) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {
        **os.environ,
        "DATABASE_URL": _url(params, name),
        "DEBUG": "true",
        "RULEDESK_WEB_WORKERS": "2",
        "RULEDESK_LOG_LEVEL": "WARNING",
    }
    process = None
    try:
        _manage(env, log, "migrate", "--noinput", "-v", "0")  # and nothing else
        _manage(env, log, "seed_demo")
        port = _free_port()
        with log.open("ab") as out:
            process = subprocess.Popen(  # noqa: S603 - the runner's fixed argv
                runner.web_argv(port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base, process, log)
        yield base
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        with _admin_connection(params) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
