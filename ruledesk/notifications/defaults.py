"""Shipped templates (every kind × channel × locale) and the documented preference defaults.

Context keys the templates use (built by the caller, see INTERFACES / services.notify):

    event, audience ("requester"|"agent", added by notify), organization.name,
    recipient.name (added by notify), actor_name,
    ticket.number, ticket.title, ticket.status, ticket.priority, ticket.url,
    ticket.requester_name, ticket.assignee_name,
    comment.body, comment.author_name, comment.visibility   (or comment = None)
    sla.target ("first_response"|"resolution"), sla.due_at (ISO 8601)   (or sla = None)
    internal_note (agent audience only), report.name, report.url (report.ready)

`subject` is the e-mail subject or the in-app title (one line); `body` is plain
text (e-mail: also sent as escaped HTML with line breaks).
"""

from __future__ import annotations

from typing import Any

# --- Preferences -----------------------------------------------------------------
# In-app: everything on. E-mail: on for what a person must act on or is waiting
# for; `ticket.created` by e-mail only for the requester (their receipt), since
# agents see new tickets in the queue and one e-mail per ticket is noise.
EMAIL_ON: frozenset[str] = frozenset(
    {
        "ticket.assigned",
        "ticket.replied",
        "ticket.resolved",
        "comment.mentioned",
        "sla.warning",
        "sla.breached",
        "report.ready",
    }
)


def preference_default(kind: str, channel: str, role: str) -> bool:
    if channel == "in_app":
        return True
    if kind == "ticket.created":
        return role == "requester"
    return kind in EMAIL_ON


# --- Template snippets -------------------------------------------------------------
_PRIORITY_PL = (
    '{% if ticket.priority == "critical" %}KRYTYCZNY{% elif ticket.priority == "high" %}WYSOKI'
    '{% elif ticket.priority == "medium" %}ŚREDNI{% elif ticket.priority == "low" %}NISKI'
    "{% else %}{{ ticket.priority }}{% endif %}"
)
_STATUS_PL = (
    '{% if ticket.status == "new" %}nowe{% elif ticket.status == "open" %}otwarte'
    '{% elif ticket.status == "waiting_on_requester" %}oczekuje na zgłaszającego'
    '{% elif ticket.status == "resolved" %}rozwiązane{% elif ticket.status == "closed" %}zamknięte'
    "{% else %}{{ ticket.status }}{% endif %}"
)
_STATUS_EN = '{{ ticket.status|default:"" }}'
_TARGET_EN = '{% if sla.target == "first_response" %}first response{% else %}resolution{% endif %}'
_TARGET_PL = (
    '{% if sla.target == "first_response" %}pierwsza odpowiedź{% else %}rozwiązanie{% endif %}'
)
_DUE_EN = '{{ sla.due_at|date:"Y-m-d H:i T" }}'
_DUE_PL = '{{ sla.due_at|date:"j E Y, H:i" }}'

_HELLO_EN = "Hello {{ recipient.name }},\n\n"
_HELLO_PL = "Dzień dobry {{ recipient.name }},\n\n"
_LINK = "{% if ticket.url %}\n\n{{ ticket.url }}{% endif %}"
_NOTE_EN = "{% if internal_note %}\n\nInternal note: {{ internal_note }}{% endif %}"
_NOTE_PL = "{% if internal_note %}\n\nNotatka wewnętrzna: {{ internal_note }}{% endif %}"
_SIGN_EN = "\n\n— {{ organization.name }}"
_SIGN_PL = "\n\n— {{ organization.name }}"
_TICKET_LINE_EN = (
    "{{ ticket.number }} · {{ ticket.title }}\nPriority: {{ ticket.priority }} · Status: "
    + _STATUS_EN
)
_TICKET_LINE_PL = (
    "{{ ticket.number }} · {{ ticket.title }}\nPriorytet: "
    + _PRIORITY_PL
    + " · Status: "
    + _STATUS_PL
)
_COMMENT_EN = (
    '{% if comment %}\n\n{% if comment.visibility == "internal" %}Internal note{% else %}Reply'
    "{% endif %} from {{ comment.author_name }}:\n\n{{ comment.body }}{% endif %}"
)
_COMMENT_PL = (
    '{% if comment %}\n\n{% if comment.visibility == "internal" %}Notatka wewnętrzna'
    "{% else %}Odpowiedź{% endif %} — {{ comment.author_name }}:\n\n{{ comment.body }}{% endif %}"
)


def _email(subject: str, middle: str, locale: str, *, about_ticket: bool = True) -> tuple[str, str]:
    note, link = (_NOTE_PL if locale == "pl" else _NOTE_EN, _LINK) if about_ticket else ("", "")
    hello, sign = (_HELLO_PL, _SIGN_PL) if locale == "pl" else (_HELLO_EN, _SIGN_EN)
    return subject, hello + middle + note + link + sign


# (kind, locale) -> (email subject, email middle, in-app title, in-app body)
_TEXTS: dict[tuple[str, str], tuple[str, str, str, str]] = {
    ("ticket.created", "en"): (
        '[{{ ticket.number }}] {% if audience == "requester" %}We received your request'
        "{% else %}New ticket{% endif %}: {{ ticket.title }}",
        '{% if audience == "requester" %}We received your request and will get back to you.'
        "{% else %}{{ ticket.requester_name }} opened a new ticket.{% endif %}\n\n"
        + _TICKET_LINE_EN,
        '{% if audience == "requester" %}Request received{% else %}New ticket{% endif %}: '
        "{{ ticket.number }}",
        "{{ ticket.title }}",
    ),
    ("ticket.created", "pl"): (
        '[{{ ticket.number }}] {% if audience == "requester" %}Otrzymaliśmy Twoje zgłoszenie'
        "{% else %}Nowe zgłoszenie{% endif %}: {{ ticket.title }}",
        '{% if audience == "requester" %}Otrzymaliśmy Twoje zgłoszenie i wkrótce się odezwiemy.'
        "{% else %}{{ ticket.requester_name }} utworzył(a) nowe zgłoszenie.{% endif %}\n\n"
        + _TICKET_LINE_PL,
        '{% if audience == "requester" %}Zgłoszenie przyjęte{% else %}Nowe zgłoszenie{% endif %}: '
        "{{ ticket.number }}",
        "{{ ticket.title }}",
    ),
    ("ticket.assigned", "en"): (
        "[{{ ticket.number }}] Assigned to you: {{ ticket.title }}",
        '{{ actor_name|default:"Ruledesk" }} assigned this ticket to you.\n\n'
        + _TICKET_LINE_EN
        + "\nRequester: {{ ticket.requester_name }}",
        "Assigned to you: {{ ticket.number }}",
        "{{ ticket.title }}",
    ),
    ("ticket.assigned", "pl"): (
        "[{{ ticket.number }}] Przypisano do Ciebie: {{ ticket.title }}",
        '{{ actor_name|default:"Ruledesk" }} przypisał(a) Ci to zgłoszenie.\n\n'
        + _TICKET_LINE_PL
        + "\nZgłaszający: {{ ticket.requester_name }}",
        "Przypisano do Ciebie: {{ ticket.number }}",
        "{{ ticket.title }}",
    ),
    ("ticket.replied", "en"): (
        "[{{ ticket.number }}] New reply: {{ ticket.title }}",
        "There is a new reply on {{ ticket.number }} · {{ ticket.title }}." + _COMMENT_EN,
        "New reply on {{ ticket.number }}",
        '{{ comment.author_name|default:"Someone" }}: {{ comment.body|truncatechars:200 }}',
    ),
    ("ticket.replied", "pl"): (
        "[{{ ticket.number }}] Nowa odpowiedź: {{ ticket.title }}",
        "W zgłoszeniu {{ ticket.number }} · {{ ticket.title }} pojawiła się nowa odpowiedź."
        + _COMMENT_PL,
        "Nowa odpowiedź w {{ ticket.number }}",
        '{{ comment.author_name|default:"Ktoś" }}: {{ comment.body|truncatechars:200 }}',
    ),
    ("ticket.resolved", "en"): (
        "[{{ ticket.number }}] Resolved: {{ ticket.title }}",
        '{% if audience == "requester" %}Your request has been resolved. If the problem is not '
        "solved, reply or reopen the ticket.{% else %}This ticket has been resolved"
        "{% if actor_name %} by {{ actor_name }}{% endif %}.{% endif %}\n\n" + _TICKET_LINE_EN,
        "Resolved: {{ ticket.number }}",
        "{{ ticket.title }}",
    ),
    ("ticket.resolved", "pl"): (
        "[{{ ticket.number }}] Rozwiązane: {{ ticket.title }}",
        '{% if audience == "requester" %}Twoje zgłoszenie zostało rozwiązane. Jeśli problem '
        "nadal występuje, odpowiedz lub otwórz zgłoszenie ponownie.{% else %}To zgłoszenie "
        "zostało rozwiązane{% if actor_name %} przez {{ actor_name }}{% endif %}.{% endif %}\n\n"
        + _TICKET_LINE_PL,
        "Rozwiązane: {{ ticket.number }}",
        "{{ ticket.title }}",
    ),
    ("comment.mentioned", "en"): (
        "[{{ ticket.number }}] {{ comment.author_name }} mentioned you",
        "{{ comment.author_name }} mentioned you on {{ ticket.number }} · {{ ticket.title }}."
        + _COMMENT_EN,
        "{{ comment.author_name }} mentioned you on {{ ticket.number }}",
        "{{ comment.body|truncatechars:200 }}",
    ),
    ("comment.mentioned", "pl"): (
        "[{{ ticket.number }}] {{ comment.author_name }} wspomniał(a) o Tobie",
        "{{ comment.author_name }} wspomniał(a) o Tobie w zgłoszeniu {{ ticket.number }} · "
        "{{ ticket.title }}." + _COMMENT_PL,
        "{{ comment.author_name }} wspomniał(a) o Tobie w {{ ticket.number }}",
        "{{ comment.body|truncatechars:200 }}",
    ),
    ("sla.warning", "en"): (
        "[{{ ticket.number }}] SLA warning: " + _TARGET_EN + " due " + _DUE_EN,
        "The "
        + _TARGET_EN
        + " target of this ticket is due "
        + _DUE_EN
        + ".\n\n"
        + _TICKET_LINE_EN
        + '\nAssignee: {{ ticket.assignee_name|default:"unassigned" }}',
        "SLA warning: {{ ticket.number }}",
        _TARGET_EN + " due " + _DUE_EN + " · {{ ticket.title }}",
    ),
    ("sla.warning", "pl"): (
        "[{{ ticket.number }}] Ostrzeżenie SLA: " + _TARGET_PL + " do " + _DUE_PL,
        "Termin SLA ("
        + _TARGET_PL
        + ") tego zgłoszenia upływa "
        + _DUE_PL
        + ".\n\n"
        + _TICKET_LINE_PL
        + '\nPrzypisane do: {{ ticket.assignee_name|default:"nikogo" }}',
        "Ostrzeżenie SLA: {{ ticket.number }}",
        _TARGET_PL + " do " + _DUE_PL + " · {{ ticket.title }}",
    ),
    ("sla.breached", "en"): (
        "[{{ ticket.number }}] SLA breached: " + _TARGET_EN,
        "The "
        + _TARGET_EN
        + " target of this ticket was due "
        + _DUE_EN
        + " and has been breached.\n\n"
        + _TICKET_LINE_EN
        + '\nAssignee: {{ ticket.assignee_name|default:"unassigned" }}',
        "SLA breached: {{ ticket.number }}",
        _TARGET_EN + " was due " + _DUE_EN + " · {{ ticket.title }}",
    ),
    ("sla.breached", "pl"): (
        "[{{ ticket.number }}] Naruszenie SLA: " + _TARGET_PL,
        "Termin SLA ("
        + _TARGET_PL
        + ") tego zgłoszenia upłynął "
        + _DUE_PL
        + ".\n\n"
        + _TICKET_LINE_PL
        + '\nPrzypisane do: {{ ticket.assignee_name|default:"nikogo" }}',
        "Naruszenie SLA: {{ ticket.number }}",
        _TARGET_PL + " — termin minął " + _DUE_PL + " · {{ ticket.title }}",
    ),
    ("report.ready", "en"): (
        'Your report is ready: {{ report.name|default:"report" }}',
        'Your report "{{ report.name }}" is ready to download.'
        "{% if report.url %}\n\n{{ report.url }}{% endif %}",
        "Report ready: {{ report.name }}",
        "{{ report.url }}",
    ),
    ("report.ready", "pl"): (
        'Raport jest gotowy: {{ report.name|default:"raport" }}',
        "Twój raport „{{ report.name }}” jest gotowy do pobrania."
        "{% if report.url %}\n\n{{ report.url }}{% endif %}",
        "Raport gotowy: {{ report.name }}",
        "{{ report.url }}",
    ),
}


def _build() -> dict[tuple[str, str, str], tuple[str, str]]:
    built: dict[tuple[str, str, str], tuple[str, str]] = {}
    for (kind, locale), (subject, middle, title, body) in _TEXTS.items():
        built[(kind, "email", locale)] = _email(
            subject, middle, locale, about_ticket=not kind.startswith("report.")
        )
        built[(kind, "in_app", locale)] = (title, body)
    return built


# (kind, channel, locale) -> (subject, body)
DEFAULT_TEMPLATES: dict[tuple[str, str, str], tuple[str, str]] = _build()


def default_template(kind: str, channel: str, locale: str) -> tuple[str, str]:
    return (
        DEFAULT_TEMPLATES.get((kind, channel, locale)) or DEFAULT_TEMPLATES[(kind, channel, "en")]
    )


# A context with every documented key filled, used to test-render templates at save.
SAMPLE_CONTEXT: dict[str, Any] = {
    "event": "ticket.updated",
    "audience": "agent",
    "organization": {"name": "Acme Corporation"},
    "recipient": {"name": "Alice Example"},
    "actor_name": "Bob Example",
    "ticket": {
        "number": "ACME-1042",
        "title": "The office printer on the third floor jams on every double-sided job",
        "status": "open",
        "priority": "high",
        "url": "https://desk.example.com/tickets/1042",
        "requester_name": "Carol Example",
        "assignee_name": "Dave Example",
    },
    "comment": {
        "body": "Thanks, I tried that and the printer still jams when printing on both sides "
        "of the page. The error code on the panel is 13.B2.D3 and the tray is full.",
        "author_name": "Carol Example",
        "visibility": "public",
    },
    "sla": {"target": "resolution", "due_at": "2026-11-25T16:00:00+00:00"},
    "internal_note": "Check the fuser unit warranty before ordering a replacement.",
    "report": {"name": "Tickets by category", "url": "https://desk.example.com/reports/7"},
}
