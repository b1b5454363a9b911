"""One error mapping: 403/404/429 pages, htmx toasts, no 500 for user input."""

from __future__ import annotations

import pytest
from django.test import Client

from ruledesk.tenancy.models import User
from tests.portal.helpers import HX, signed_in

pytestmark = pytest.mark.django_db


def test_unknown_page_is_a_styled_404(agent: User) -> None:
    response = signed_in(agent).get("/no-such-page")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and 'id="main"' in html


def test_requester_on_the_desk_or_console_gets_403_page(requester: User) -> None:
    client = signed_in(requester)
    for url in ("/desk/", "/console/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "This screen is not open to your role." not in response.content.decode()
        assert "You do not have access to this" in response.content.decode()


def test_refusal_under_htmx_is_a_toast_retargeted_to_the_status_region(requester: User) -> None:
    response = signed_in(requester).get("/desk/", **HX)
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#toasts" and response["HX-Reswap"] == "beforeend"
    html = response.content.decode()
    assert html.startswith('<p class="toast toast-error">') and "<html" not in html


def test_method_not_allowed_is_not_a_500(agent: User) -> None:
    assert signed_in(agent).delete("/notifications").status_code == 405
    assert Client().get("/language").status_code == 405


def test_bad_ids_and_nul_bytes_never_answer_500(agent: User) -> None:
    client = signed_in(agent)
    assert client.get("/desk/tickets/%00").status_code == 404
    assert client.get("/desk/tickets/ACME-99999999999999").status_code == 404
    assert client.post("/notifications/99999999999/read").status_code == 404
