"""Shared bits of the issue-4 benchmarks (rules.py, sla.py): cluster, database, worker, report.

`configure()` must run before Django is imported: it points the process at the
benchmark's own embedded PostgreSQL cluster (never the dev/test one).
"""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DB_NAME = "ruledesk"


def configure(default_dir: str, extra_env: dict[str, str] | None = None) -> Path:
    """Set the environment for a benchmark process; returns its data directory."""
    env_name = "RULEDESK_BENCH_DIR"
    bench_dir = Path(os.environ.get(env_name, str(BASE_DIR / ".local" / default_dir))).resolve()
    os.environ["RULEDESK_DATA_DIR"] = str(bench_dir)
    os.environ["XDG_RUNTIME_DIR"] = str(bench_dir / "run")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("RULEDESK_ENV", None)
    os.environ["RULEDESK_LOG_LEVEL"] = "WARNING"
    for key, value in (extra_env or {}).items():
        os.environ[key] = value
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruledesk.settings")
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    (bench_dir / "static").mkdir(parents=True, exist_ok=True)
    (bench_dir / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    return bench_dir


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def connect(socket_dir: str, dbname: str = DB_NAME, **kwargs: Any) -> Any:
    import psycopg

    return psycopg.connect(host=socket_dir, user="postgres", dbname=dbname, **kwargs)


def marker(socket_dir: str) -> dict[str, Any] | None:
    """What the existing data set was built with (the bench_dataset table), or None."""
    with connect(socket_dir, "postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            return None
    with connect(socket_dir, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('bench_dataset')").fetchone() == (None,):
            return None
        row = conn.execute("SELECT spec FROM bench_dataset").fetchone()
    return dict(row[0]) if row else None


def marker_write(socket_dir: str, spec: dict[str, Any]) -> None:
    from psycopg.types.json import Jsonb

    with connect(socket_dir, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_dataset")
        conn.execute("CREATE TABLE bench_dataset (spec jsonb, loaded_at timestamptz)")
        conn.execute("INSERT INTO bench_dataset VALUES (%s, now())", [Jsonb(spec)])


def recreate_database(socket_dir: str) -> None:
    from psycopg import sql

    with connect(socket_dir, "postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def prepare(default_dir: str, spec: dict[str, Any], fresh: bool) -> tuple[str, bool]:
    """Start the cluster, (re)create the database when needed, migrate; (socket dir, reused)."""
    import django

    bench_dir = Path(os.environ["RULEDESK_DATA_DIR"])
    django.setup()
    from django.core.management import call_command

    from ruledesk import embedded_db

    log(f"bench cluster: {bench_dir / 'pg'}")
    socket_dir = embedded_db.ensure_server(str(bench_dir / "pg"))
    existing = marker(socket_dir)
    reused = existing == spec and not fresh
    if not reused:
        log(f"building the data set {spec} (found: {existing})")
        recreate_database(socket_dir)
    call_command("migrate", "--noinput", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("schedules_install", verbosity=0)
    return socket_dir, reused


def database_url(socket_dir: str) -> str:
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/{DB_NAME}"


@contextmanager
def worker(socket_dir: str, log_path: Path, workers: int = 2, poll: float | None = None) -> Any:
    """`manage.py worker` (django-q2 cluster) against the bench database, like tests/processes.py.

    `poll` overrides django-q2's ORM-broker poll interval (settings: 0.5 s) through
    bench/q_settings.py; None runs the project's settings unchanged.
    """
    env = {
        **os.environ,
        "DATABASE_URL": database_url(socket_dir),
        "RULEDESK_Q_WORKERS": str(workers),
    }
    if poll is not None:
        env["DJANGO_SETTINGS_MODULE"] = "q_settings"
        env["BENCH_Q_POLL"] = str(poll)
        env["PYTHONPATH"] = os.pathsep.join([str(BASE_DIR / "bench"), str(BASE_DIR)])
    with log_path.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "worker"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: only the cluster's processes
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def wait_for(condition: Callable[[], bool], seconds: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def wait_other_bench(pattern: str = "bench/tickets.py", every: float = 30.0) -> None:
    """Do not measure while another benchmark runs (they would share the 2 cores)."""
    while True:
        found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, check=False)
        if not found.stdout.strip():
            return
        log(f"waiting for {pattern} to finish (polling every {every:.0f} s)")
        time.sleep(every)


def pct(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def machine() -> str:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.1f} GiB RAM,"
        f" Python {platform.python_version()}"
    )


def pg_version(socket_dir: str) -> str:
    with connect(socket_dir, autocommit=True) as conn:
        return f"PostgreSQL {conn.execute('SHOW server_version').fetchone()[0]}"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"
