"""Validate the process environment before settings are built.

Used by settings (to refuse a broken production start) and by
`manage.py check_env`. Messages name variables, never their values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping

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
KNOWN_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_SCHEMES = ("postgres://", "postgresql://")

_Parser = Callable[[str, Mapping[str, str]], object]


def _boolean(name: str, environ: Mapping[str, str]) -> object:
    return env.env_bool(name, environ=environ)


def _integer(minimum: int) -> _Parser:
    def parse(name: str, environ: Mapping[str, str]) -> object:
        return env.env_int(name, 0, minimum=minimum, environ=environ)

    return parse


# (name, what it must be, parser). Messages say what is expected, never the value
# found: a variable set by mistake to a secret must not end up in a log.
_TYPED: tuple[tuple[str, str, _Parser], ...] = (
    ("DEBUG", "a boolean (true/false)", _boolean),
    ("PORT", "an integer of at least 1", _integer(1)),
    ("EMAIL_PORT", "an integer of at least 1", _integer(1)),
    ("EMAIL_USE_TLS", "a boolean (true/false)", _boolean),
    ("RULEDESK_EMAIL_MAX_ATTEMPTS", "an integer of at least 1", _integer(1)),
    ("RULEDESK_EMAIL_SENDING_LEASE_SECONDS", "an integer of at least 1", _integer(1)),
    ("RULEDESK_TRUSTED_PROXIES", "an integer of at least 0", _integer(0)),
    ("RULEDESK_RATE_WRITES_PER_MIN", "an integer of at least 1", _integer(1)),
    ("RULEDESK_RATE_LOGIN_FAILURES", "an integer of at least 1", _integer(1)),
    ("RULEDESK_RATE_LOGIN_FAILURES_PER_IP", "an integer of at least 1", _integer(1)),
    ("RULEDESK_RATE_COMMENTS_PER_10S", "an integer of at least 1", _integer(1)),
    ("RULEDESK_TOKEN_TTL_HOURS", "an integer of at least 1", _integer(1)),
    ("RULEDESK_REOPEN_COOLDOWN_SECONDS", "an integer of at least 0", _integer(0)),
    ("RULEDESK_RULES_SCHEDULE_CAP", "an integer of at least 1", _integer(1)),
    ("RULEDESK_RULE_EXECUTIONS_DAYS", "an integer of at least 1", _integer(1)),
    ("RULEDESK_HSTS_SECONDS", "an integer of at least 0", _integer(0)),
    ("RULEDESK_WEB_WORKERS", "an integer of at least 1", _integer(1)),
    ("RULEDESK_Q_WORKERS", "an integer of at least 1", _integer(1)),
    ("RULEDESK_Q_POLL_MS", "an integer of at least 10", _integer(10)),
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
    found.extend(message for _name, message in _unusable(environ))
    if mode == "production":
        found.extend(_production_problems(environ, storage))
    return found


def _unusable(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """Variables whose values settings cannot build from, with a message for each."""
    found: list[tuple[str, str]] = []
    log_format = environ.get("RULEDESK_LOG_FORMAT")
    if log_format is not None and log_format not in KNOWN_LOG_FORMATS:
        found.append(
            (
                "RULEDESK_LOG_FORMAT",
                f"RULEDESK_LOG_FORMAT must be one of {', '.join(KNOWN_LOG_FORMATS)}",
            )
        )
    log_level = environ.get("RULEDESK_LOG_LEVEL")
    if log_level is not None and log_level not in KNOWN_LOG_LEVELS:
        found.append(
            (
                "RULEDESK_LOG_LEVEL",
                f"RULEDESK_LOG_LEVEL must be one of {', '.join(KNOWN_LOG_LEVELS)}",
            )
        )
    database_url = environ.get("DATABASE_URL", "").strip()
    if database_url and not database_url.startswith(DATABASE_SCHEMES):
        found.append(("DATABASE_URL", "DATABASE_URL must be a postgresql:// URL"))
    for name, expected, parse in _TYPED:
        if name in environ:
            try:
                parse(name, environ)
            except env.EnvError:
                found.append((name, f"{name} must be {expected}"))
    return found


_set_aside: dict[str, str] = {}


def set_aside_unusable(environ: MutableMapping[str, str]) -> None:
    """Remove values settings cannot parse, so settings build from defaults.

    Only `manage.py check_env` does this: it must load to report the problems,
    and it reads them back through `original_environ()`.
    """
    for name, _message in _unusable(environ):
        _set_aside[name] = environ.pop(name)


def original_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` with any values `set_aside_unusable()` removed put back."""
    return {**environ, **_set_aside}


def _production_problems(environ: Mapping[str, str], storage: str) -> list[str]:
    found: list[str] = []
    required = PRODUCTION_REQUIRED + (S3_REQUIRED if storage == "s3" else ())
    missing = [name for name in required if not environ.get(name, "").strip()]
    if missing:
        found.append("missing production variables: " + ", ".join(missing))
    secret = environ.get("SECRET_KEY", "")
    if secret and (
        len(secret) < 50 or len(set(secret)) < 5 or secret.startswith("django-insecure")
    ):
        found.append("SECRET_KEY is too weak: use at least 50 random characters")
    if environ.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}:
        found.append("DEBUG must be off in production")
    return found
