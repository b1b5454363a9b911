"""A Python client generated from docs/openapi.yaml works, error responses included.

`openapi-python-client` must generate it without a single warning (a warning means a
response or model was dropped: error responses once were, all 495 of them), and the
client must then do what an integrator does first, against a live server: sign in,
create a ticket, page through the list, and read a problem's `code`.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from ruledesk.tenancy.models import Role
from tests import factories
from tests.workflows.conftest import make_ticket

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "ruledesk_client"
CONFIG = f"package_name_override: {PACKAGE}\npost_hooks: []\n"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package, generated from the committed schema into a temporary directory."""
    out = tmp_path_factory.mktemp("client")
    config = out / "config.yaml"
    config.write_text(CONFIG)
    result = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(ROOT / "docs" / "openapi.yaml")]
        + ["--meta", "none", "--config", str(config), "--output-path", str(out / PACKAGE)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output
    assert output.strip() == f"Generating {out / PACKAGE}", output
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def _cursor(url: str | None) -> str | None:
    return None if url is None else parse_qs(urlsplit(url).query)["cursor"][0]


def test_every_error_response_is_a_typed_problem(generated: ModuleType) -> None:
    create = _module("api.tickets.tickets_create")
    problem = _module("models.problem").Problem

    annotation = str(create.sync.__annotations__["return"])

    assert "Problem" in annotation and "TicketOutput" in annotation
    assert {"code", "request_id", "errors"} <= set(problem.__annotations__)


@pytest.mark.django_db(transaction=True)
def test_generated_client_signs_in_creates_pages_and_reads_a_problem(
    generated: ModuleType, live_server: Any
) -> None:
    acme = factories.organization("acme", name="Acme")
    factories.user(acme, Role.ADMIN, email="admin@acme.test")
    requester = factories.user(acme, Role.REQUESTER)
    for n in range(4):
        make_ticket(requester, title=f"Older ticket {n}")
    models = _module("models")
    token_create = _module("api.auth.auth_token_create")
    tickets_create = _module("api.tickets.tickets_create")
    tickets_list = _module("api.tickets.tickets_list")
    tickets_retrieve = _module("api.tickets.tickets_retrieve")

    # Sign in.
    anonymous = generated.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    token = token_create.sync(
        client=anonymous,
        body=models.TokenInputRequest(email="admin@acme.test", password=factories.PASSWORD),
    )
    assert isinstance(token, models.TokenOutput) and token.token
    client = generated.AuthenticatedClient(
        base_url=live_server.url, token=token.token, raise_on_unexpected_status=True
    )

    # Create a ticket.
    created = tickets_create.sync(
        client=client,
        body=models.TicketCreateInputRequest(
            title="Printer on fire", description="Smoke from tray 2."
        ),
    )
    assert isinstance(created, models.TicketOutput)
    assert (created.title, created.status.value) == ("Printer on fire", "new")

    # Page through the list, two at a time.
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = tickets_list.sync(
            client=client, page_size=2, **({"cursor": cursor} if cursor else {})
        )
        assert isinstance(page, models.PaginatedTicketOutputList)
        seen += [ticket.id for ticket in page.results]
        pages += 1
        cursor = _cursor(page.next_)
        if cursor is None:
            break
    assert pages == 3
    assert seen[0] == created.id and len(seen) == len(set(seen)) == 5

    # Read a problem: a validation error with its fields, and a 404.
    invalid = tickets_create.sync_detailed(
        client=client, body=models.TicketCreateInputRequest(title="", description="x")
    )
    assert invalid.status_code == 400
    assert isinstance(invalid.parsed, models.Problem)
    assert invalid.parsed.code == "validation_error"
    assert [error.field for error in invalid.parsed.errors] == ["title"]
    missing = tickets_retrieve.sync(client=client, id=10**9)
    assert isinstance(missing, models.Problem)
    assert (missing.code, missing.status) == ("not_found", 404)
