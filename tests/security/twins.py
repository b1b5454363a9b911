"""A marked twin of every kind of object, for the persona table's leak checks.

Each organization gets one of everything a route can show — ticket, public and
internal comment, category, tag, team, user, saved view, calendar, SLA policy,
rule, template, notification, and the audit events those writes leave — with a
marker in its text. A response to a persona of the other organization must never
carry that marker, whatever the route (list, search, detail, aggregate, export);
a requester's response must never carry the internal marker of their own
organization either.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.services import articles
from ruledesk.notifications.models import Notification
from ruledesk.notifications.services import templates
from ruledesk.tenancy import services as tenancy
from ruledesk.tenancy.models import Organization, Role, User
from rules_engine import services as rules
from workflows import services
from workflows.services import saved_views
from workflows.sla import services as sla

OFFICE = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@dataclass(frozen=True)
class Markers:
    shared: str  # in everything the organization's own members may see
    internal: str  # only in what staff may see (internal comments)


def markers(slug: str) -> Markers:
    return Markers(shared=f"twin{slug}shared", internal=f"twin{slug}internal")


def seed(org: Organization, admin: User, requester: User) -> Markers:
    """One marked object of each kind in `org`, made through the services as members would."""
    mark = markers(org.slug)
    tenancy.team_create(actor=admin, organization=org, name=f"Team {mark.shared}")
    agent = tenancy.user_create(
        actor=admin,
        organization=org,
        email=f"{mark.shared}@{org.slug}.test",
        name=f"Agent {mark.shared}",
        role=Role.AGENT,
    )
    category = services.category_create(actor=admin, name=f"Category {mark.shared}")
    ticket = services.ticket_create(
        actor=requester,
        title=f"Ticket {mark.shared}",
        description=f"Description {mark.shared}",
        category_id=category.pk,
    )
    services.ticket_update(actor=admin, ticket=ticket, tags=[f"tag{mark.shared}"])
    # The twin agent comments, so the personas' own comment rate limits stay untouched.
    services.comment_create(actor=agent, ticket=ticket, body=f"Reply {mark.shared}")
    services.comment_create(
        actor=agent, ticket=ticket, body=f"Note {mark.internal}", visibility="internal"
    )
    saved_views.saved_view_create(
        actor=admin, name=f"View {mark.shared}", filters={"q": "printer"}, shared_with_team_id=None
    )
    calendar = sla.business_calendar_create(
        actor=admin, name=f"Calendar {mark.shared}", timezone="UTC", hours=OFFICE
    )
    sla.sla_policy_create(
        actor=admin,
        name=f"Policy {mark.shared}",
        calendar_id=calendar.pk,
        first_response_minutes=60,
        resolution_minutes=480,
    )
    rules.rule_create(
        actor=admin,
        data={
            "name": f"Rule {mark.shared}",
            "event": "ticket.created",
            "conditions": {"all": []},
            "actions": [{"type": "set_priority", "priority": "high"}],
            "active": False,
        },
    )
    templates.template_create(
        actor=admin,
        event="ticket.resolved",
        channel="email",
        locale="en",
        subject=f"Subject {mark.shared}",
        body=f"Body {mark.shared}",
    )
    section = articles.section_create(org, title=f"Section {mark.shared}")
    articles.article_create(
        org,
        title=f"Article {mark.shared}",
        summary=f"Summary {mark.shared}",
        body=f"<p>Body {mark.shared}</p>",
        section=section,
        categories=[category],
    )
    articles.article_create(
        org,
        title=f"Article {mark.internal}",
        summary=f"Summary {mark.internal}",
        body=f"<p>Body {mark.internal}</p>",
        visibility="internal",
    )
    for recipient in (admin, requester, agent):
        Notification.objects.create(
            organization=org,
            recipient=recipient,
            event="comment.created",
            kind="ticket.replied",
            title=f"Notice {mark.shared}",
            ticket_id=ticket.pk,
            ticket_number=f"{org.slug.upper()}-{ticket.number}",
            audience="requester" if recipient.role == Role.REQUESTER else "agent",
            dedup_key=f"twin-{org.slug}-{recipient.pk}",
        )
    return mark
