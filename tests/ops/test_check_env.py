"""`manage.py check_env` and the settings guard: every problem named, no secret ever shown."""

from __future__ import annotations

import pytest

from ruledesk.config_check import problems
from tests.ops.envs import (
    AWS_SECRET,
    METRICS_TOKEN,
    PRODUCTION,
    SECRET_KEY,
    assert_no_secret_in,
    run,
)

ALL_MISSING = (
    "missing production variables: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, "
    "CSRF_TRUSTED_ORIGINS, EMAIL_HOST, DEFAULT_FROM_EMAIL, RULEDESK_METRICS_TOKEN"
)
IMPORT_SETTINGS = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'ruledesk.settings'; django.setup()"
)


def check_env(environ: dict[str, str]) -> tuple[int, list[str], str]:
    result = run(["manage.py", "check_env"], environ)
    assert_no_secret_in(result)
    problem_lines = [line[2:] for line in result.stderr.splitlines() if line.startswith("- ")]
    return result.returncode, problem_lines, result.stdout


def test_development_needs_no_variables() -> None:
    assert check_env({}) == (0, [], "Environment OK\n")


def test_a_complete_production_environment_is_ok() -> None:
    assert check_env(PRODUCTION) == (0, [], "Environment OK\n")


def test_production_without_variables_names_every_missing_one() -> None:
    code, found, stdout = check_env({"RULEDESK_ENV": "production"})

    assert code == 2
    assert found == [ALL_MISSING]
    assert stdout == ""


def test_production_on_s3_also_requires_the_storage_variables() -> None:
    code, found, _ = check_env({"RULEDESK_ENV": "production", "RULEDESK_STORAGE": "s3"})

    assert code == 2
    assert found == [
        ALL_MISSING + ", AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, "
        "AWS_SECRET_ACCESS_KEY"
    ]


def test_a_weak_secret_key_is_reported_without_showing_it() -> None:
    weak = "short-but-private-Kx9"
    result = run(["manage.py", "check_env"], {**PRODUCTION, "SECRET_KEY": weak})

    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "- SECRET_KEY is too weak: use at least 50 random characters"
    )
    assert weak not in result.stdout + result.stderr


def test_a_bad_integer_is_named_without_echoing_its_value() -> None:
    code, found, _ = check_env(
        {**PRODUCTION, "RULEDESK_TRUSTED_PROXIES": "abc", "RULEDESK_HSTS_SECONDS": AWS_SECRET}
    )

    assert code == 2
    assert found == [
        "RULEDESK_TRUSTED_PROXIES must be an integer of at least 0",
        "RULEDESK_HSTS_SECONDS must be an integer of at least 0",
    ]


def test_every_problem_is_listed_at_once() -> None:
    environ = {
        "RULEDESK_ENV": "production",
        "SECRET_KEY": "too-short",
        "DEBUG": "true",
        "EMAIL_PORT": "twenty-five",
        "RULEDESK_LOG_FORMAT": "xml",
        "RULEDESK_LOG_LEVEL": "LOUD",
        "DATABASE_URL": "mysql://root:secret@db/ruledesk",
        "RULEDESK_METRICS_TOKEN": METRICS_TOKEN,
    }
    code, found, _ = check_env(environ)

    assert code == 2
    assert found == [
        "RULEDESK_LOG_FORMAT must be one of json, text",
        "RULEDESK_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
        "DATABASE_URL must be a postgresql:// URL",
        "EMAIL_PORT must be an integer of at least 1",
        "missing production variables: ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, EMAIL_HOST, "
        "DEFAULT_FROM_EMAIL",
        "SECRET_KEY is too weak: use at least 50 random characters",
        "DEBUG must be off in production",
    ]


def test_importing_settings_in_production_fails_naming_every_missing_variable() -> None:
    environ = {
        "RULEDESK_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
    }
    result = run(["-c", IMPORT_SETTINGS], environ)

    assert result.returncode == 1
    assert_no_secret_in(result)
    assert result.stderr.splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: Invalid environment: missing production "
        "variables: ALLOWED_HOSTS, DATABASE_URL, CSRF_TRUSTED_ORIGINS, EMAIL_HOST, "
        "DEFAULT_FROM_EMAIL, RULEDESK_METRICS_TOKEN"
    )


def test_importing_settings_with_a_complete_production_environment_succeeds() -> None:
    result = run(["-c", IMPORT_SETTINGS + "; print('ready')"], PRODUCTION)

    assert (result.returncode, result.stdout) == (0, "ready\n")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, []),
        ({"RULEDESK_ENV": "staging"}, ["RULEDESK_ENV must be one of development, production"]),
        ({"RULEDESK_STORAGE": "ftp"}, ["RULEDESK_STORAGE must be one of local, s3"]),
        ({"DEBUG": "maybe"}, ["DEBUG must be a boolean (true/false)"]),
        ({"PORT": "0"}, ["PORT must be an integer of at least 1"]),
        (
            {"RULEDESK_TRUSTED_PROXIES": "-1"},
            ["RULEDESK_TRUSTED_PROXIES must be an integer of at least 0"],
        ),
        ({"RULEDESK_Q_WORKERS": "2"}, []),
        ({"DATABASE_URL": "postgres://u:p@h/d"}, []),
        (
            {**PRODUCTION, "SECRET_KEY": "django-insecure-" + "a1b2c3d4e5" * 5},
            ["SECRET_KEY is too weak: use at least 50 random characters"],
        ),
        (
            {**PRODUCTION, "SECRET_KEY": "ab" * 30},
            ["SECRET_KEY is too weak: use at least 50 random characters"],
        ),
        ({**PRODUCTION, "ALLOWED_HOSTS": "  "}, ["missing production variables: ALLOWED_HOSTS"]),
    ],
)
def test_problems_table(environ: dict[str, str], expected: list[str]) -> None:
    assert problems(environ) == expected
