"""Sign in and out, password reset through the outbox and a real SMTP server, language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from ruledesk.api.models import LoginAttempt
from ruledesk.notifications.models import EmailMessage
from ruledesk.notifications.services import email_deliver
from ruledesk.tenancy.models import User
from tests import factories
from tests.notifications.conftest import SmtpServer
from tests.portal.helpers import HX, page, signed_in

pytestmark = pytest.mark.django_db


def _login(client: Client, email: str, password: str = factories.PASSWORD, **extra: Any) -> Any:
    return client.post("/login", {"email": email, "password": password, **extra})


@pytest.mark.parametrize(
    ("persona", "home"),
    [("admin", "/console/"), ("agent", "/desk/"), ("requester", "/help/")],
)
def test_sign_in_lands_on_the_home_of_the_role(persona: str, home: str, request: Any) -> None:
    user: User = request.getfixturevalue(persona)
    client = Client()
    response = _login(client, user.email.upper())
    assert response.status_code == 302 and response["Location"] == home
    assert client.get(home).status_code == 200
    assert client.get("/")["Location"] == home
    assert LoginAttempt.objects.filter(email=user.email, succeeded=True).count() == 1


def test_sign_in_form_is_password_manager_friendly() -> None:
    html = page(Client(), "/login").content.decode()
    assert 'autocomplete="username"' in html and 'type="email"' in html
    assert 'autocomplete="current-password"' in html and 'type="password"' in html
    assert '<label for="id_email">' in html and '<label for="id_password">' in html


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(agent: User) -> None:
    assert _login(Client(), agent.email, next="/notifications")["Location"] == "/notifications"
    assert _login(Client(), agent.email, next="https://evil.test/")["Location"] == "/desk/"


def test_wrong_password_says_so_without_saying_whether_the_address_exists(agent: User) -> None:
    wrong = _login(Client(), agent.email, "not-the-password")
    unknown = _login(Client(), "nobody@acme.test", "not-the-password")
    for response in (wrong, unknown):
        html = response.content.decode()
        assert response.status_code == 200
        assert "Invalid e-mail address or password." in html
        assert 'role="alert"' in html
        assert "_auth_user_id" not in response.client.session
    assert wrong.content.decode().count("Invalid") == unknown.content.decode().count("Invalid")


def test_repeated_failures_lock_the_pair_out_with_the_problem_words(
    agent: User, settings: Any
) -> None:
    settings.RULEDESK_RATE_LOGIN_FAILURES = 3
    client = Client()
    for _ in range(3):
        assert _login(client, agent.email, "wrong-password").status_code == 200
    locked = _login(client, agent.email)  # even the right password waits now
    assert locked.status_code == 429
    assert "Too many failed logins; try again later." in locked.content.decode()
    assert re.search(r"Try again in \d+ min\.", locked.content.decode())
    assert "_auth_user_id" not in client.session


def test_invalid_form_input_is_shown_on_the_field(agent: User) -> None:
    response = Client().post("/login", {"email": "not-an-address", "password": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_email_error"' in html
    assert 'id="id_email_error"' in html and 'id="id_password_error"' in html


def test_platform_operator_cannot_sign_in_to_the_portal(db: None) -> None:
    User.objects.create_superuser("ops@example.test", factories.PASSWORD)
    assert _login(Client(), "ops@example.test").status_code == 200


def test_logout_needs_a_post_and_ends_the_session(agent: User) -> None:
    client = signed_in(agent)
    assert client.get("/logout").status_code == 200
    assert client.get("/desk/").status_code == 200  # the GET changed nothing
    response = client.post("/logout")
    assert response.status_code == 302 and response["Location"] == "/login"
    assert client.get("/desk/")["Location"] == "/login?next=%2Fdesk%2F"
    assert "You have signed out." in client.get("/login").content.decode()


def test_expired_session_under_htmx_answers_hx_redirect_to_login(agent: User) -> None:
    client = Client()
    response = client.get(
        "/notifications/unread",
        **HX,
        HTTP_HX_CURRENT_URL="http://testserver/notifications?state=unread",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login?next=%2Fnotifications%3Fstate%3Dunread"


def _reset_link(smtp: SmtpServer) -> str:
    message = EmailMessage.objects.get(kind="account.password_reset")
    assert email_deliver(message_id=message.pk) == "sent"
    (received,) = smtp.inbox.messages
    match = re.search(r"http://testserver(/password-reset/[^/\s]+/[^/\s]+)", received.text)
    assert match is not None, received.text
    assert match.group(1) in received.html
    return match.group(1)


def test_password_reset_by_email_end_to_end(agent: User, smtp: SmtpServer) -> None:
    client = Client()
    response = client.post("/password-reset", {"email": agent.email})
    assert response["Location"] == "/password-reset/sent"
    link = _reset_link(smtp)
    assert smtp.inbox.messages[0].rcpt_tos == [agent.email]

    assert client.get(link).status_code == 200
    mismatch = client.post(link, {"password": "new-Secret-pass-99", "password_again": "other"})
    assert "The two passwords differ." in mismatch.content.decode()
    weak = client.post(link, {"password": "12345678", "password_again": "12345678"})
    assert weak.status_code == 200 and "errors" in weak.content.decode()
    done = client.post(
        link, {"password": "new-Secret-pass-99", "password_again": "new-Secret-pass-99"}
    )
    assert done["Location"] == "/login"
    assert _login(Client(), agent.email, "new-Secret-pass-99")["Location"] == "/desk/"
    assert client.get(link).status_code == 410  # the link worked once


def test_password_reset_email_speaks_the_user_language(acme: Any, smtp: SmtpServer) -> None:
    polish = factories.user(acme, "agent", email="pl@acme.test")
    polish.locale = "pl"
    polish.save(update_fields=["locale"])
    Client().post("/password-reset", {"email": polish.email})
    _reset_link(smtp)
    assert smtp.inbox.messages[0].message["Content-Language"] == "pl"


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(
    db: None,
) -> None:
    response = Client().post("/password-reset", {"email": "nobody@acme.test"})
    assert response["Location"] == "/password-reset/sent"
    assert not EmailMessage.objects.exists()


def test_password_reset_requests_are_rate_limited(agent: User) -> None:
    client = Client()
    for _ in range(3):
        assert client.post("/password-reset", {"email": agent.email}).status_code == 302
    refused = client.post("/password-reset", {"email": agent.email})
    assert refused.status_code == 429
    assert "Too many reset requests" in refused.content.decode()
    assert EmailMessage.objects.filter(recipient=agent).count() == 3


def test_a_forged_reset_link_is_refused(agent: User) -> None:
    assert Client().get("/password-reset/MQ/1-forged").status_code == 410
    assert Client().post("/password-reset/%%%/x", {}).status_code in (404, 410)
