"""Fill the reporting durations of tickets that existed before they were stored.

The same computation the services run at the event (workflows/metrics.py), replayed from
each ticket's status log; batches of 500, ticket by ticket (a migration, not a report).
"""

from typing import Any

from django.db import migrations

BATCH = 500


def backfill(apps: Any, schema_editor: Any) -> None:
    from workflows.metrics import business_seconds
    from workflows.sla.business_time import Calendar
    from workflows.sla.clocks.calendars import calendar_of

    Ticket = apps.get_model("workflows", "Ticket")
    StatusTransition = apps.get_model("workflows", "StatusTransition")
    BusinessCalendar = apps.get_model("workflows", "BusinessCalendar")
    Organization = apps.get_model("tenancy", "Organization")
    org_calendars: dict[int, Calendar] = {}

    def org_calendar(org_id: int) -> Calendar:
        if org_id not in org_calendars:
            stored = BusinessCalendar.objects.filter(organization_id=org_id).order_by("id").first()
            if stored is not None:
                org_calendars[org_id] = calendar_of(stored)
            else:
                tz = Organization.objects.filter(pk=org_id).values_list("timezone", flat=True)
                org_calendars[org_id] = Calendar.always(tz.first() or "UTC")
        return org_calendars[org_id]

    todo = Ticket.objects.filter(first_responded_at__isnull=False) | Ticket.objects.filter(
        resolved_at__isnull=False
    )
    last_id = 0
    while True:
        batch = list(
            todo.filter(pk__gt=last_id).select_related("sla_policy__calendar").order_by("pk")[
                :BATCH
            ]
        )
        if not batch:
            return
        for ticket in batch:
            last_id = ticket.pk
            steps = list(StatusTransition.objects.filter(ticket=ticket).order_by("created_at", "id"))
            cal = (
                calendar_of(ticket.sla_policy.calendar)
                if ticket.sla_policy is not None
                else org_calendar(ticket.organization_id)
            )
            if ticket.first_responded_at is not None:
                moment = ticket.first_responded_at
                ticket.first_response_seconds = max(
                    0, int((moment - ticket.created_at).total_seconds())
                )
                ticket.first_response_business_seconds = business_seconds(
                    cal, ticket.created_at, [s for s in steps if s.created_at <= moment], moment
                )
            resolves = [s.created_at for s in steps if s.name == "resolve"]
            if resolves:
                ticket.first_resolved_at = resolves[0]
            if ticket.resolved_at is not None:
                moment = ticket.resolved_at
                ticket.resolution_seconds = max(0, int((moment - ticket.created_at).total_seconds()))
                ticket.resolution_business_seconds = business_seconds(
                    cal, ticket.created_at, [s for s in steps if s.created_at < moment], moment
                )
            Ticket.objects.filter(pk=ticket.pk).update(
                first_response_seconds=ticket.first_response_seconds,
                first_response_business_seconds=ticket.first_response_business_seconds,
                first_resolved_at=ticket.first_resolved_at,
                resolution_seconds=ticket.resolution_seconds,
                resolution_business_seconds=ticket.resolution_business_seconds,
            )


class Migration(migrations.Migration):
    dependencies = [("workflows", "0007_ticket_report_durations")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
