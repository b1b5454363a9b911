"""docker-compose.yml and the Dockerfile: the deployment shape, checked without a Docker engine.

`make compose-check` runs `docker compose config` where the client exists;
these tests hold the rules that matter everywhere.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ruledesk.config_check import PRODUCTION_REQUIRED, S3_REQUIRED

ROOT = Path(__file__).resolve().parents[2]
INTERPOLATION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::?([-?])([^}]*))?\}")
CREDENTIALS = (
    "POSTGRES_PASSWORD",
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
    "SECRET_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "RULEDESK_METRICS_TOKEN",
)


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def services() -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"]
    return found


def test_compose_defines_the_stack() -> None:
    assert sorted(services()) == [
        "clamd",
        "createbuckets",
        "migrate",
        "minio",
        "postgres",
        "web",
        "worker",
    ]
    assert services()["postgres"]["image"] == "postgres:17"
    assert services()["minio"]["image"].startswith("quay.io/minio/minio:RELEASE.")


def test_stateful_services_keep_data_in_named_volumes() -> None:
    assert sorted(compose()["volumes"]) == ["clamav-data", "minio-data", "postgres-data"]
    assert services()["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert services()["minio"]["volumes"] == ["minio-data:/data"]


def test_long_running_services_have_health_checks() -> None:
    assert services()["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in services()["postgres"]["healthcheck"]["test"][1]
    assert services()["minio"]["healthcheck"]["test"] == ["CMD", "mc", "ready", "local"]
    assert services()["web"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "-m",
        "ruledesk.ops.probe",
        "/healthz",
    ]


def test_web_and_worker_start_after_migrations_and_bucket_setup() -> None:
    for name in ("web", "worker"):
        assert services()[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "createbuckets": {"condition": "service_completed_successfully"},
        }
    assert services()["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    # migrate alone creates the cache table too (api.0005_cache_table).
    assert services()["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services()["worker"]["command"] == ["python", "manage.py", "worker"]


def test_app_services_run_in_production_on_minio() -> None:
    for name in ("migrate", "web", "worker"):
        environment = services()[name]["environment"]
        assert environment["RULEDESK_ENV"] == "production"
        assert environment["RULEDESK_STORAGE"] == "s3"
        assert environment["AWS_S3_ENDPOINT_URL"] == "${AWS_S3_ENDPOINT_URL:-http://minio:9000}"
        assert set(PRODUCTION_REQUIRED + S3_REQUIRED) <= set(environment)


def test_no_credential_has_a_default() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    uses = INTERPOLATION.findall(text)
    defaulted = sorted({name for name, kind, _ in uses if name in CREDENTIALS and kind != "?"})
    required = {name for name, kind, _ in uses if kind == "?"}

    assert defaulted == []
    assert set(CREDENTIALS) <= required
    assert "minioadmin" not in text


def test_web_port_is_published_on_loopback_only() -> None:
    assert services()["web"]["ports"] == ["127.0.0.1:${RULEDESK_HTTP_PORT:-8000}:8000"]


def test_dockerfile_runs_gunicorn_as_a_non_root_user() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()

    assert lines[lines.index(next(line for line in lines if line.startswith("FROM")))] == (
        "FROM python:3.11-slim"
    )
    user_at = lines.index("USER ruledesk")
    assert any(line.startswith("RUN python manage.py collectstatic") for line in lines[user_at:])
    assert lines[-1].startswith('CMD ["sh", "-c", "exec gunicorn ruledesk.wsgi:application')
    assert "RUN pip install ." in lines


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()

    assert {".env", ".env.*", ".git", ".venv", ".local"} <= set(ignored)
    assert "!.env.example" in ignored
