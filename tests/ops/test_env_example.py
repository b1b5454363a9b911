"""`.env.example` lists exactly the environment variables the code reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = ("ruledesk", "workflows", "rules_engine", "portal", "kb", "reporting", "fixtures")
HELPERS = {"env_str", "env_bool", "env_int", "env_list"}
ENVIRON_METHODS = {"get", "setdefault", "pop"}
EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
COMPOSE_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")


def _source_files() -> list[Path]:
    files = [ROOT / "manage.py"]
    for top in SOURCE_ROOTS:
        files.extend(
            path
            for path in (ROOT / top).rglob("*.py")
            if "migrations" not in path.parts and "tests" not in path.parts
        )
    return sorted(files)


def _is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _names_read(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            helper = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            is_helper = helper in HELPERS
            is_environ_method = (
                isinstance(func, ast.Attribute)
                and func.attr in ENVIRON_METHODS
                and _is_os_environ(func.value)
            )
            is_getenv = (
                isinstance(func, ast.Attribute)
                and func.attr == "getenv"
                and isinstance(func.value, ast.Name)
                and func.value.id == "os"
            )
            if is_helper or is_environ_method or is_getenv:
                name = _literal(node.args[0])
                if name is not None:
                    names.add(name)
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            name = _literal(node.slice)
            if name is not None:
                names.add(name)
    return names


def variables_read_by_code() -> dict[str, list[str]]:
    """Map each variable name to the files that read it."""
    found: dict[str, list[str]] = {}
    for path in _source_files():
        for name in _names_read(ast.parse(path.read_text(), filename=str(path))):
            found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


def variables_listed() -> set[str]:
    return set(EXAMPLE_LINE.findall((ROOT / ".env.example").read_text()))


def test_the_scanner_finds_the_reads_it_is_meant_to_find() -> None:
    source = (
        "import os\n"
        "from ruledesk.env import env_int\n"
        "a = env_str('A_STR')\n"
        "b = env.env_bool('B_BOOL', environ=e)\n"
        "c = env_int('C_INT', 1)\n"
        "d = env_list('D_LIST')\n"
        "e = os.environ.get('E_GET')\n"
        "f = os.environ['F_ITEM']\n"
        "g = os.getenv('G_GETENV')\n"
        "os.environ.setdefault('H_SETDEFAULT', 'x')\n"
        "name = 'dynamic'\n"
        "i = os.environ.get(name)\n"
    )
    assert _names_read(ast.parse(source)) == {
        "A_STR",
        "B_BOOL",
        "C_INT",
        "D_LIST",
        "E_GET",
        "F_ITEM",
        "G_GETENV",
        "H_SETDEFAULT",
    }


def test_every_variable_the_code_reads_is_listed_in_env_example() -> None:
    read = variables_read_by_code()
    missing = {name: files for name, files in read.items() if name not in variables_listed()}
    assert missing == {}, f"add these to .env.example (read in): {missing}"


def test_env_example_lists_no_variable_that_nothing_reads() -> None:
    compose = set(COMPOSE_VARIABLE.findall((ROOT / "docker-compose.yml").read_text()))
    unused = variables_listed() - set(variables_read_by_code()) - compose
    assert unused == set(), f"nothing reads these .env.example entries: {sorted(unused)}"


def test_the_platform_variables_are_among_those_found() -> None:
    read = variables_read_by_code()
    expected = {
        "DATABASE_URL",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "DEBUG",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        "DEFAULT_FROM_EMAIL",
        "AWS_STORAGE_BUCKET_NAME",
        "AWS_S3_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_S3_REGION_NAME",
        "RULEDESK_ENV",
        "RULEDESK_STORAGE",
        "RULEDESK_DATA_DIR",
        "RULEDESK_METRICS_TOKEN",
        "PORT",
        "XDG_RUNTIME_DIR",
        "DJANGO_SETTINGS_MODULE",
    }
    assert expected - set(read) == set()
