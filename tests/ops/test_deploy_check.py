"""Django's deployment checklist passes with a complete production environment."""

from __future__ import annotations

from tests.ops.envs import PRODUCTION, assert_no_secret_in, run


def test_check_deploy_passes_at_warning_level_in_production() -> None:
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)

    assert_no_secret_in(result)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "System check identified no issues (0 silenced).\n"


def test_check_deploy_passes_with_local_storage_too() -> None:
    environ = {**PRODUCTION, "RULEDESK_STORAGE": "local"}
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], environ)

    assert (result.returncode, result.stderr) == (0, "")
