"""The template sandbox, the shipped defaults and organization overrides."""

from __future__ import annotations

import pytest
from django.template import TemplateSyntaxError

from ruledesk import errors
from ruledesk.notifications import defaults, sandbox, services
from ruledesk.notifications.models import Notification, NotificationTemplate
from ruledesk.tenancy.models import Organization, Role, User
from tests import factories
from tests.notifications.helpers import context, send

HOSTILE_REJECTED = [
    ("{% load static %}", "Invalid block tag on line 1: 'load'"),
    ('{% include "/etc/passwd" %}', "Invalid block tag on line 1: 'include'"),
    ('{% extends "base.html" %}', "Invalid block tag on line 1: 'extends'"),
    ("{% debug %}", "Invalid block tag on line 1: 'debug'"),
    ('{% ssi "/etc/passwd" %}', "Invalid block tag on line 1: 'ssi'"),
    ('{% url "admin:index" %}', "Invalid block tag on line 1: 'url'"),
    ("{% csrf_token %}", "Invalid block tag on line 1: 'csrf_token'"),
    ('{% now "Y" %}', "Invalid block tag on line 1: 'now'"),
    ("{% lorem 100000 w %}", "Invalid block tag on line 1: 'lorem'"),
    ("{% autoescape off %}{{ x }}{% endautoescape %}", "Invalid block tag on line 1: 'autoescape'"),
    ("{% filter upper %}x{% endfilter %}", "Invalid block tag on line 1: 'filter'"),
    ("{% templatetag openblock %}", "Invalid block tag on line 1: 'templatetag'"),
    ("{{ ticket.__class__ }}", "Variables and attributes may not begin with underscores"),
    (
        "{{ ticket.title.__class__.__mro__ }}",
        "Variables and attributes may not begin with underscores",
    ),
    ("{{ _private }}", "Variables and attributes may not begin with underscores"),
    ("{{ ticket.title|safe }}", "Invalid filter: 'safe'"),
    ("{{ ticket.title|pprint }}", "Invalid filter: 'pprint'"),
    ('{{ ticket.title|ljust:"999999999" }}', "Invalid filter: 'ljust'"),
    ('{{ ticket.title|stringformat:"999999999s" }}', "Invalid filter: 'stringformat'"),
    ('{{ 1.5|floatformat:"1000000" }}', "Invalid filter: 'floatformat'"),
    ("{% if %}x{% endif %}", "Unexpected end of expression in if tag."),
    ("{% for x in %}", "'for' statements should have at least four words"),
    ("{{ unclosed", None),
]


@pytest.mark.parametrize(("source", "message"), HOSTILE_REJECTED)
def test_hostile_or_broken_templates_do_not_compile(source: str, message: str | None) -> None:
    problem = sandbox.check(source, defaults.SAMPLE_CONTEXT)
    if source == "{{ unclosed":
        # Django treats an unterminated tag as text: harmless, rendered literally.
        assert problem is None
        assert sandbox.render(source, {}, autoescape=False) == "{{ unclosed"
        return
    assert problem is not None and problem.startswith("Template syntax error: ")
    assert message is not None and message in problem


def test_huge_loops_are_stopped() -> None:
    nested = (
        "{% for a in ticket.title %}{% for b in ticket.title %}{% for c in ticket.title %}"
        "x{% endfor %}{% endfor %}{% endfor %}"
    )
    assert sandbox.check(nested, defaults.SAMPLE_CONTEXT) == (
        "The template does too much work when rendered: more than 2000 loop iterations."
    )
    with pytest.raises(sandbox.RenderLimitExceeded):
        sandbox.render(nested, {"ticket": {"title": "x" * 100}}, autoescape=False)


def test_huge_output_is_stopped() -> None:
    blowup = "{% for a in s %}{% for b in s %}{{ big }}{% endfor %}{% endfor %}"
    with pytest.raises(sandbox.RenderLimitExceeded, match="characters of output"):
        sandbox.render(blowup, {"s": "x" * 40, "big": "y" * 1000}, autoescape=False)


def test_context_reaches_only_plain_data() -> None:
    data = {"ticket": {"title": "Printer", "tags": ["a", "b"]}}
    source = (
        "[{{ settings.SECRET_KEY }}][{{ ticket.clear }}][{{ ticket.tags.pop }}]"
        "[{{ ticket.tags.clear }}][{{ ticket.title }}][{{ ticket.tags|length }}]"
        "[{{ request.user }}][{{ ticket.get }}][{% for k, v in ticket.items %}{{ k }}{% endfor %}]"
    )

    out = sandbox.render(source, data, autoescape=False)

    assert out == "[][][][][Printer][2][][][titletags]"
    assert data == {"ticket": {"title": "Printer", "tags": ["a", "b"]}}


def test_objects_in_a_context_are_refused(agent: User) -> None:
    with pytest.raises(TypeError, match="User is not allowed in a notification context"):
        sandbox.render("{{ user.password }}", {"user": agent}, autoescape=False)


def test_autoescape_only_in_html() -> None:
    data = {"t": "<b>&</b>", "body": "line 1\nline 2"}
    assert sandbox.render("{{ t }}", data, autoescape=True) == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert sandbox.render("{{ t }}", data, autoescape=False) == "<b>&</b>"
    assert sandbox.render("{{ body|linebreaksbr }}", data, autoescape=True) == "line 1<br>line 2"
    assert sandbox.render("{{ body|linebreaksbr }}", data, autoescape=False) == "line 1\nline 2"


def test_date_filter_reads_iso_strings_in_the_active_zone_and_language() -> None:
    from django.utils import timezone, translation

    data = {"due": "2026-11-25T16:00:00+00:00"}
    with translation.override("pl"), timezone.override("Europe/Warsaw"):
        assert sandbox.render('{{ due|date:"j E Y, H:i" }}', data, autoescape=False) == (
            "25 listopada 2026, 17:00"
        )
    with translation.override("en"), timezone.override("America/New_York"):
        assert sandbox.render('{{ due|date:"Y-m-d H:i T" }}', data, autoescape=False) == (
            "2026-11-25 11:00 EST"
        )
    assert sandbox.render('{{ due|date:"Y" }}', {"due": "not a date"}, autoescape=False) == ""


def test_every_kind_channel_and_locale_has_a_default_that_renders() -> None:
    for kind in services.NOTIFICATION_EVENTS:
        for channel in services.CHANNELS:
            for locale in ("en", "pl"):
                subject, body = defaults.DEFAULT_TEMPLATES[(kind, channel, locale)]
                for source in (subject, body):
                    assert sandbox.check(source, defaults.SAMPLE_CONTEXT) is None
                    assert sandbox.check(source, {}) is None


def test_polish_defaults_use_diacritics(acme: Organization, agent: User) -> None:
    agent.locale = "pl"
    agent.save(update_fields=["locale"])
    ctx = context(sla={"target": "first_response", "due_at": "2026-11-25T16:00:00+00:00"})
    ctx["ticket"]["priority"] = "medium"
    from ruledesk.notifications.services import Message

    send([agent], kind="sla.warning", channel="in_app", messages={"agent": Message("agent", ctx)})

    n = Notification.objects.get()
    assert n.title == "Ostrzeżenie SLA: ACME-42"
    assert n.body == "pierwsza odpowiedź do 25 listopada 2026, 16:00 · Printer jams"
    rendered = services.render_for(
        organization=acme,
        kind="sla.warning",
        channel="email",
        locale="pl",
        context={**ctx, "recipient": {"name": "Dawid"}},
        override=None,
    )
    assert (
        rendered.subject
        == "[ACME-42] Ostrzeżenie SLA: pierwsza odpowiedź do 25 listopada 2026, 16:00"
    )
    assert "Priorytet: ŚREDNI · Status: otwarte" in rendered.text
    assert "Termin SLA (pierwsza odpowiedź) tego zgłoszenia upływa" in rendered.text


def test_org_template_overrides_the_default_for_its_locale_only(
    acme: Organization, admin: User, agent: User
) -> None:
    polish = factories.user(acme, Role.AGENT, name="Ewa")
    polish.locale = "pl"
    polish.save(update_fields=["locale"])
    services.template_create(
        actor=admin,
        event="ticket.assigned",
        channel="in_app",
        locale="en",
        subject="{{ ticket.number }} is yours, {{ recipient.name }}",
        body="{{ ticket.title|upper }} ({{ ticket.priority }})",
    )

    send([agent, polish], channel="in_app")

    feed = {n.recipient_id: n for n in Notification.objects.all()}
    assert (feed[agent.pk].title, feed[agent.pk].body) == (
        "ACME-42 is yours, Bob Agent",
        "PRINTER JAMS (high)",
    )
    assert feed[polish.pk].title == "Przypisano do Ciebie: ACME-42"


def test_forced_template_must_belong_to_the_organization(
    acme: Organization, globex: Organization, admin: User, agent: User, outsider: User
) -> None:
    mine = services.template_create(
        actor=admin,
        event="report.ready",
        channel="in_app",
        locale="pl",
        subject="Specjalny: {{ ticket.number }}",
        body="x",
    )
    theirs = services.template_create(
        actor=outsider,
        event="ticket.assigned",
        channel="in_app",
        locale="en",
        subject="Leaked from globex",
        body="y",
    )

    send([agent], channel="in_app", template_id=mine.pk, dedup_key="a")
    send([agent], channel="in_app", template_id=theirs.pk, dedup_key="b")

    titles = list(Notification.objects.order_by("id").values_list("title", flat=True))
    assert titles == ["Specjalny: ACME-42", "Assigned to you: ACME-42"]


def test_a_template_that_fails_on_real_data_falls_back_to_the_default(
    acme: Organization, admin: User, agent: User
) -> None:
    services.template_create(
        actor=admin,
        event="ticket.assigned",
        channel="in_app",
        locale="en",
        subject="{% for a in ticket.url %}{% for b in ticket.url %}x{% endfor %}{% endfor %}",
        body="b",
    )
    ctx = context()
    ctx["ticket"]["url"] = "https://desk.test/" + "t" * 200
    from ruledesk.notifications.services import Message

    send([agent], channel="in_app", messages={"agent": Message("agent", ctx)})

    assert Notification.objects.get().title == "Assigned to you: ACME-42"


def test_bad_templates_are_refused_at_save_naming_the_field(admin: User) -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        services.template_create(
            actor=admin,
            event="ticket.assigned",
            channel="email",
            locale="en",
            subject="ok",
            body='{% include "/etc/passwd" %}',
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [("body", "template_syntax")]
    with pytest.raises(errors.ValidationFailed) as caught:
        services.template_create(
            actor=admin,
            event="ticket.assigned",
            channel="email",
            locale="en",
            subject="{{ ticket.__dict__ }}",
            body="ok",
        )
    assert [e.field for e in caught.value.errors] == ["subject"]
    assert NotificationTemplate.objects.count() == 0


def test_compile_errors_are_template_syntax_errors() -> None:
    with pytest.raises(TemplateSyntaxError):
        sandbox.compile_template("{% load i18n %}", autoescape=False)


def test_nulls_render_as_nothing_and_take_a_default() -> None:
    data = {"ticket": {"assignee_name": None}, "comment": None}
    source = '[{{ ticket.assignee_name }}][{{ ticket.assignee_name|default:"nobody" }}]'
    source += "[{% if comment %}c{% else %}no comment{% endif %}]"
    assert sandbox.render(source, data, autoescape=False) == "[][nobody][no comment]"
