"""`manage.py email_requeue`: put dead e-mails back in the outbox queue.

Operators use it after checking why rows died (docs/runbooks/email.md). Output names
each row's id, organization, recipient address, kind and last error, never its subject
or body (they carry ticket content). Bad input exits with status 2 and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ruledesk.notifications.models import EmailMessage, EmailStatus
from ruledesk.notifications.services import email_requeue
from ruledesk.tenancy.models import Organization

REQUEUEABLE = (EmailStatus.DEAD, EmailStatus.CANCELLED)
ERROR_SHOWN = 120


def _bad(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def since_parse(raw: str) -> datetime:
    """An ISO date (00:00 UTC that day) or timestamp (UTC when it has no offset)."""
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            moment = None if day is None else datetime.combine(day, time(), tzinfo=UTC)
    except ValueError:
        moment = None
    if moment is None:
        raise _bad(f"--since: not an ISO 8601 date or timestamp: {raw!r}.")
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Requeue outbox e-mails: the given ids (dead or cancelled), or with --all-dead every "
        "dead one, optionally of one organization and last tried since a date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", metavar="ID", help="outbox row id")
        parser.add_argument("--all-dead", action="store_true", help="every dead row")
        parser.add_argument("--organization", metavar="SLUG", help="with --all-dead: one org")
        parser.add_argument(
            "--since",
            metavar="ISO-DATE",
            help="with --all-dead: last attempted at or after this date (00:00 UTC) or time",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be requeued, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rows = self._selected(options)
        verb = "would requeue" if options["dry_run"] else "requeued"
        done = 0
        for row in rows:
            if options["dry_run"] or email_requeue(message_id=row.pk):
                done += 1
                self.stdout.write(f"{verb} {_describe(row)}")
            else:  # changed since it was selected (another operator, or already requeued)
                status = EmailMessage.objects.filter(pk=row.pk).values_list("status", flat=True)
                self.stdout.write(f"skipped {row.pk}: now {status.first() or 'deleted'}")
        noun = "e-mail" if done == 1 else "e-mails"
        self.stdout.write(f"{done} {noun} {'would be requeued' if options['dry_run'] else verb}.")

    def _selected(self, options: dict[str, Any]) -> list[EmailMessage]:
        ids: list[str] = options["ids"]
        if ids and options["all_dead"]:
            raise _bad("Give e-mail ids or --all-dead, not both.")
        if not ids and not options["all_dead"]:
            raise _bad("Give the ids of the e-mails to requeue, or --all-dead.")
        if ids:
            if options["organization"] or options["since"]:
                raise _bad("--organization and --since only filter --all-dead.")
            return _by_id(ids)
        return list(_dead(options["organization"], options["since"]))


def _rows() -> QuerySet[EmailMessage]:
    return EmailMessage.objects.select_related("organization", "recipient").order_by("pk")


def _by_id(raw_ids: list[str]) -> list[EmailMessage]:
    """All the given rows, or an error naming every one that cannot be requeued."""
    wrong = [raw for raw in raw_ids if not raw.isdigit()]
    if wrong:
        raise _bad(f"Not an e-mail id: {', '.join(wrong)}.")
    ids = sorted({int(raw) for raw in raw_ids})
    rows = list(_rows().filter(pk__in=ids))
    missing = sorted(set(ids) - {row.pk for row in rows})
    if missing:
        raise _bad(f"No such e-mail: {', '.join(map(str, missing))}. Nothing was requeued.")
    stuck = [f"{row.pk} ({row.status})" for row in rows if row.status not in REQUEUEABLE]
    if stuck:
        raise _bad(
            f"Only dead or cancelled e-mails can be requeued: {', '.join(stuck)}. "
            "Nothing was requeued."
        )
    return rows


def _dead(slug: str | None, since: str | None) -> QuerySet[EmailMessage]:
    rows = _rows().filter(status=EmailStatus.DEAD)
    if slug is not None:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise _bad(f"--organization: no organization with slug {slug!r}.")
        rows = rows.filter(organization=organization)
    if since is not None:
        moment = since_parse(since)
        # The last claim is the last attempt; a row never claimed counts from its creation.
        rows = rows.filter(
            Q(claimed_at__gte=moment) | Q(claimed_at__isnull=True, created_at__gte=moment)
        )
    return rows


def _describe(row: EmailMessage) -> str:
    error = row.last_error.splitlines()[0] if row.last_error else ""
    if len(error) > ERROR_SHOWN:
        error = error[: ERROR_SHOWN - 1] + "…"
    return (
        f"{row.pk} org={row.organization.slug} to={row.recipient.email} kind={row.kind} "
        f"was={row.status} attempts={row.attempts} error={error!r}"
    )
