"""The ticket and what hangs off it: comments, taxonomy, the status log, approvals, saved views."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from ruledesk.tenancy.models import Organization, Team


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


PRIORITY_RANK = {Priority.LOW: 1, Priority.MEDIUM: 2, Priority.HIGH: 3, Priority.CRITICAL: 4}


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_ON_REQUESTER = "waiting_on_requester", _("Waiting on requester")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    EMAIL = "email", _("E-mail")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")


class TicketCounter(models.Model):
    """The last ticket number of an organization; incremented under a row lock, so gap-free."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.last_number}"


class Category(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    default_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint("organization", Lower("name"), name="category_name_unique"),
        ]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=50)
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint("organization", Lower("name"), name="tag_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


# The statuses in which a ticket is still being worked (loads, SLA views, dashboard).
OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_ON_REQUESTER)
OPEN_TICKET = Q(status__in=OPEN_STATUSES)


class Ticket(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=50_000, blank=True)
    description_html = models.TextField(blank=True)
    # protected=True: only the transition methods (called by services) change it.
    status = FSMField(max_length=24, choices=Status.choices, default=Status.NEW, protected=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    priority_rank = models.PositiveSmallIntegerField(default=2)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    tags = models.ManyToManyField(Tag, through="TicketTag", related_name="tickets", blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    last_reopened_at = models.DateTimeField(null=True, blank=True)
    # Reporting (workflows/metrics.py): durations stored when the event happens, in
    # calendar seconds and in business seconds of the SLA calendar (new/open time only).
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True)
    first_response_business_seconds = models.PositiveIntegerField(null=True, blank=True)
    first_resolved_at = models.DateTimeField(null=True, blank=True)  # set once, never cleared
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True)  # latest resolution
    resolution_business_seconds = models.PositiveIntegerField(null=True, blank=True)
    # SLA (filled by the SLA issue): stored deadlines and flags, indexed for sweeps and filters.
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    sla_paused = models.BooleanField(default=False)
    first_response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    sla_policy = models.ForeignKey(
        "workflows.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When each running target enters its warning window (null when stopped or paused
    # before it); `sla=at_risk` is "not breached and a warn time has passed".
    first_response_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    # Full-text search: public text for requesters, everything for agents.
    search_public = SearchVectorField(null=True, editable=False)
    search_all = SearchVectorField(null=True, editable=False)

    history = HistoricalRecords(
        excluded_fields=[
            "search_public",
            "search_all",
            "description_html",
            "priority_rank",
            "first_response_warn_at",
            "resolution_warn_at",
            "first_response_seconds",
            "first_response_business_seconds",
            "first_resolved_at",
            "resolution_seconds",
            "resolution_business_seconds",
        ]
    )

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["organization", "number"], name="ticket_number_unique"),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["organization", "-created_at", "-id"], name="ticket_org_created"),
            models.Index(fields=["organization", "-updated_at", "-id"], name="ticket_org_updated"),
            models.Index(fields=["organization", "priority_rank", "id"], name="ticket_org_prio"),
            models.Index(
                fields=["organization", "resolution_due_at", "id"], name="ticket_org_res_due"
            ),
            # The list's `resolution_due_at` ordering: NULLs (no deadline) sort last as
            # 'infinity', one keyset range (the same expression as ticket_filters.NO_DEADLINE).
            models.Index(
                F("organization"),
                Coalesce(
                    "resolution_due_at",
                    RawSQL("'infinity'::timestamptz", (), output_field=models.DateTimeField()),
                ),
                F("id"),
                name="ticket_org_res_due_key",
            ),
            models.Index(
                fields=["organization", "status", "priority_rank", "-created_at", "-id"],
                name="ticket_org_status_prio",
            ),
            models.Index(
                fields=["organization", "requester", "-created_at", "-id"],
                name="ticket_org_requester",
            ),
            models.Index(
                fields=["organization", "assignee", "-created_at", "-id"],
                name="ticket_org_assignee",
            ),
            # Partial indexes over the open tickets (new, open, waiting: about a tenth of
            # a mature desk): agent load, the SLA views and the dashboard. Their condition
            # is spelled `status IN (...)` and so must the queries be, for the planner to
            # prove a query implies it (workflows/loads.py, sla/selectors.py, dashboard.py).
            models.Index(
                fields=["assignee", "organization"],
                condition=OPEN_TICKET,
                name="ticket_open_assignee",
            ),
            models.Index(
                fields=["organization", "-created_at", "-id"],
                condition=OPEN_TICKET
                & (Q(first_response_breached=True) | Q(resolution_breached=True)),
                name="ticket_open_breached",
            ),
            models.Index(
                fields=["organization", "resolution_warn_at"],
                condition=OPEN_TICKET,
                name="ticket_open_res_warn",
            ),
            models.Index(
                fields=["organization", "first_response_warn_at"],
                condition=OPEN_TICKET & Q(first_responded_at__isnull=True),
                name="ticket_open_fr_warn",
            ),
            # Reporting cohorts (reporting/selectors.py): partial, covering the KPI columns.
            models.Index(
                fields=["organization", "resolved_at"],
                name="ticket_org_resolved",
                include=[
                    "team",
                    "category",
                    "created_at",
                    "resolution_seconds",
                    "resolution_business_seconds",
                ],
                condition=models.Q(resolved_at__isnull=False),
            ),
            models.Index(
                fields=["organization", "first_responded_at"],
                name="ticket_org_responded",
                include=[
                    "team",
                    "category",
                    "first_response_seconds",
                    "first_response_business_seconds",
                ],
                condition=models.Q(first_responded_at__isnull=False),
            ),
            models.Index(
                fields=["organization", "first_resolved_at"],
                name="ticket_org_first_resolved",
                include=["team", "category", "reopen_count"],
                condition=models.Q(first_resolved_at__isnull=False),
            ),
            models.Index(
                fields=["organization", "first_response_due_at"],
                name="ticket_org_fr_due",
                include=["team", "category", "first_responded_at", "first_response_breached"],
                condition=models.Q(first_response_due_at__isnull=False),
            ),
            GinIndex(fields=["search_public"], name="ticket_search_public"),
            GinIndex(fields=["search_all"], name="ticket_search_all"),
        ]

    def __str__(self) -> str:
        return self.title

    # --- The state machine: guards and field changes only; services call these. ---

    @transition(field=status, source=Status.NEW, target=Status.OPEN)
    def open(self) -> None:
        pass

    @transition(field=status, source=Status.OPEN, target=Status.WAITING_ON_REQUESTER)
    def wait_on_requester(self) -> None:
        pass

    @transition(field=status, source=Status.WAITING_ON_REQUESTER, target=Status.OPEN)
    def resume(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.NEW, Status.OPEN, Status.WAITING_ON_REQUESTER],
        target=Status.RESOLVED,
    )
    def resolve(self) -> None:
        self.resolved_at = timezone.now()

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED)
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=status, source=[Status.RESOLVED, Status.CLOSED], target=Status.OPEN)
    def reopen(self) -> None:
        self.resolved_at = None
        self.closed_at = None
        self.reopen_count += 1
        self.last_reopened_at = timezone.now()


class TicketTag(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["ticket", "tag"], name="ticket_tag_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.tag_id}"


class StatusTransition(models.Model):
    """Append-only log of status changes; SLA replays it to derive paused time."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=32)
    from_status = models.CharField(max_length=24, choices=Status.choices)
    to_status = models.CharField(max_length=24, choices=Status.choices)
    reason = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["ticket", "created_at", "id"], name="transition_ticket_time"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.from_status} -> {self.to_status}"


class Comment(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=50_000)
    body_html = models.TextField()
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["ticket", "created_at", "id"], name="comment_ticket_time"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.ticket_id}"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ReopenApproval(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reopen_approvals")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(max_length=2000)
    status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(status="pending"),
                name="one_pending_reopen_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"reopen {self.ticket_id} {self.status}"


class SavedView(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=100)
    filters = models.JSONField(default=dict)
    # The list's columns in display order (names of saved_views.COLUMNS); empty: the default set.
    columns = models.JSONField(default=list, blank=True)
    shared_with_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


# The SLA models live in their own module but belong to this app.
from workflows.attachments.models import Attachment as Attachment  # noqa: E402
from workflows.attachments.models import AttachmentLimit as AttachmentLimit  # noqa: E402
from workflows.collab.models import Macro as Macro  # noqa: E402
from workflows.collab.models import PresenceMode as PresenceMode  # noqa: E402
from workflows.collab.models import TicketPresence as TicketPresence  # noqa: E402
from workflows.sla.models import (  # noqa: E402
    BusinessCalendar as BusinessCalendar,
)
from workflows.sla.models import SlaPolicy as SlaPolicy  # noqa: E402
from workflows.sla.models import SlaTimer as SlaTimer  # noqa: E402
