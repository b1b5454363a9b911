"""Environments for running manage.py in a subprocess with exactly the variables a test sets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Values a leak would show; none of them may ever appear in any output.
SECRET_KEY = "Zq8-tL3v_Rk9Wm2xPa7sYd4Hc6Nf1Jb5Ge0Ut3Oi8Ks2Lw7Qr9Vx4Mz6Bn1Cy5Ah3Dj"
DATABASE_PASSWORD = "db-pass-Xy7Qw3Er9"
AWS_SECRET = "aws-secret-Mn4Bv8Cx2Zl6"
EMAIL_PASSWORD = "smtp-pass-Hg5Fd1Sa7"
METRICS_TOKEN = "metrics-token-Pk3Jh9Lg2Tr8"
SECRETS = (SECRET_KEY, DATABASE_PASSWORD, AWS_SECRET, EMAIL_PASSWORD, METRICS_TOKEN)

PRODUCTION = {
    "RULEDESK_ENV": "production",
    "SECRET_KEY": SECRET_KEY,
    "ALLOWED_HOSTS": "desk.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://desk.example.com",
    "DATABASE_URL": f"postgresql://ruledesk:{DATABASE_PASSWORD}@127.0.0.1:1/ruledesk",
    "EMAIL_HOST": "smtp.example.com",
    "EMAIL_HOST_USER": "desk",
    "EMAIL_HOST_PASSWORD": EMAIL_PASSWORD,
    "DEFAULT_FROM_EMAIL": "Ruledesk <desk@example.com>",
    "RULEDESK_METRICS_TOKEN": METRICS_TOKEN,
    "RULEDESK_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "ruledesk",
    "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_ACCESS_KEY_ID": "ruledesk-app",
    "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
}


def run(args: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `python <args>` in the checkout with only `environ` plus what a process needs."""
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(ROOT)),
        "RULEDESK_DATA_DIR": os.environ.get("RULEDESK_DATA_DIR", str(ROOT / ".local")),
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, **environ},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_no_secret_in(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    leaked = [secret for secret in SECRETS if secret in output]
    assert leaked == []
