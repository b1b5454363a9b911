"""Validate the process environment before settings are built.

Used by settings (to refuse a broken production start) and by
`manage.py check_env`. Messages name variables, never their values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ruledesk import env

PRODUCTION_REQUIRED = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "EMAIL_HOST",
    "DEFAULT_FROM_EMAIL",
    "RULEDESK_METRICS_TOKEN",
)
S3_REQUIRED = (
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)
KNOWN_ENVIRONMENTS = ("development", "production")
KNOWN_STORAGES = ("local", "s3")
KNOWN_LOG_FORMATS = ("json", "text")

_TYPED: tuple[tuple[str, Callable[[str, Mapping[str, str]], object]], ...] = (
    ("DEBUG", lambda n, e: env.env_bool(n, environ=e)),
    ("PORT", lambda n, e: env.env_int(n, 8000, minimum=1, environ=e)),
    ("EMAIL_PORT", lambda n, e: env.env_int(n, 25, minimum=1, environ=e)),
    ("EMAIL_USE_TLS", lambda n, e: env.env_bool(n, environ=e)),
    ("RULEDESK_TRUSTED_PROXIES", lambda n, e: env.env_int(n, 0, minimum=0, environ=e)),
    ("RULEDESK_RATE_WRITES_PER_MIN", lambda n, e: env.env_int(n, 300, minimum=1, environ=e)),
    ("RULEDESK_RATE_LOGIN_FAILURES", lambda n, e: env.env_int(n, 10, minimum=1, environ=e)),
    ("RULEDESK_RATE_LOGIN_FAILURES_PER_IP", lambda n, e: env.env_int(n, 50, minimum=1, environ=e)),
    ("RULEDESK_RATE_COMMENTS_PER_10S", lambda n, e: env.env_int(n, 5, minimum=1, environ=e)),
    ("RULEDESK_TOKEN_TTL_HOURS", lambda n, e: env.env_int(n, 720, minimum=1, environ=e)),
    ("RULEDESK_HSTS_SECONDS", lambda n, e: env.env_int(n, 31536000, minimum=0, environ=e)),
    ("RULEDESK_WEB_WORKERS", lambda n, e: env.env_int(n, 2, minimum=1, environ=e)),
    ("RULEDESK_Q_WORKERS", lambda n, e: env.env_int(n, 2, minimum=1, environ=e)),
)


def problems(environ: Mapping[str, str]) -> list[str]:
    """Return one human-readable line per problem; empty when the environment is usable."""
    found: list[str] = []
    mode = environ.get("RULEDESK_ENV", "development")
    if mode not in KNOWN_ENVIRONMENTS:
        found.append(f"RULEDESK_ENV must be one of {', '.join(KNOWN_ENVIRONMENTS)}")
    storage = environ.get("RULEDESK_STORAGE", "local")
    if storage not in KNOWN_STORAGES:
        found.append(f"RULEDESK_STORAGE must be one of {', '.join(KNOWN_STORAGES)}")
    log_format = environ.get("RULEDESK_LOG_FORMAT")
    if log_format is not None and log_format not in KNOWN_LOG_FORMATS:
        found.append(f"RULEDESK_LOG_FORMAT must be one of {', '.join(KNOWN_LOG_FORMATS)}")
    for name, parse in _TYPED:
        if name in environ:
            try:
                parse(name, environ)
            except env.EnvError as exc:
                found.append(str(exc))
    if mode == "production":
        found.extend(_production_problems(environ, storage))
    return found


def _production_problems(environ: Mapping[str, str], storage: str) -> list[str]:
    found: list[str] = []
    required = PRODUCTION_REQUIRED + (S3_REQUIRED if storage == "s3" else ())
    missing = [name for name in required if not environ.get(name, "").strip()]
    if missing:
        found.append("missing production variables: " + ", ".join(missing))
    secret = environ.get("SECRET_KEY", "")
    if secret and (len(secret) < 50 or len(set(secret)) < 5 or secret.startswith("django-insecure")):
        found.append("SECRET_KEY is too weak: use at least 50 random characters")
    if environ.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}:
        found.append("DEBUG must be off in production")
    return found
