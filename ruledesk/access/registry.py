"""Every permission codename the product knows, declared in code.

Grants per organization and role live in the database (`RoleGrant`); what is
declared here is the label, the default grant of each role, and which cells are
locked so no edit of the matrix can break an invariant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES: tuple[str, ...] = ("requester", "agent", "admin")


@dataclass(frozen=True)
class Permission:
    codename: str
    label: str
    defaults: frozenset[str]
    # role -> the value that cell is locked to.
    locked: dict[str, bool] = field(default_factory=dict)
    # A django-guardian permission ("app_label.codename") that grants this
    # permission on one object when the matrix does not grant it to the role.
    object_permission: str | None = None


_R, _A, _D = "requester", "agent", "admin"
_NEVER_REQUESTER = {_R: False}


def _p(codename: str, label: str, *roles: str, **extra: object) -> Permission:
    return Permission(codename, label, frozenset(roles), **extra)  # type: ignore[arg-type]


PERMISSIONS: tuple[Permission, ...] = (
    _p("ticket.view_all", "See every ticket of the organization", _A, _D, locked=_NEVER_REQUESTER),
    _p("ticket.create", "Create tickets", _R, _A, _D),
    _p("ticket.update", "Edit ticket fields", _A, _D),
    _p("ticket.assign", "Assign tickets to agents and teams", _A, _D),
    _p("ticket.bulk", "Change many tickets at once", _A, _D),
    _p("ticket.transition.open", "Open a new ticket", _A, _D),
    _p("ticket.transition.wait_on_requester", "Put a ticket on hold for the requester", _A, _D),
    _p("ticket.transition.resume", "Resume a ticket waiting on the requester", _R, _A, _D),
    _p("ticket.transition.resolve", "Resolve tickets", _A, _D),
    _p("ticket.transition.close", "Close tickets", _R, _A, _D),
    _p("ticket.transition.reopen", "Reopen tickets", _R, _A, _D),
    _p("ticket.reopen.approve", "Approve or reject reopen requests", _A, _D),
    _p("comment.create_public", "Post public replies", _R, _A, _D),
    _p("comment.create_internal", "Post internal notes", _A, _D, locked=_NEVER_REQUESTER),
    _p("comment.view_internal", "See internal notes", _A, _D, locked=_NEVER_REQUESTER),
    _p("attachment.upload", "Upload attachments", _R, _A, _D),
    _p("attachment.view_internal", "See internal attachments", _A, _D, locked=_NEVER_REQUESTER),
    _p("taxonomy.manage", "Manage categories and tags", _D),
    _p("sla.manage", "Manage business calendars and SLA policies", _D),
    _p("rules.manage", "Manage rules", _D),
    _p("templates.manage", "Manage notification templates", _D),
    _p("users.manage", "Manage users and roles", _D),
    _p("teams.manage", "Manage teams", _D, object_permission="tenancy.change_team"),
    _p("matrix.manage", "Manage the permission matrix", _D, locked={_D: True}),
    _p("audit.view", "Read the audit log", _D),
    _p("reports.view", "See reports and KPIs", _A, _D),
    _p("reports.export", "Export reports", _A, _D),
    _p("kb.edit", "Edit the knowledge base", _A, _D),
    _p("saved_views.share", "Share saved views with a team", _A, _D),
    _p("macros.manage", "Create, edit and delete macros", _D),
    _p("users.view", "See the organization's users and teams", _A, _D),
)

BY_CODENAME: dict[str, Permission] = {p.codename: p for p in PERMISSIONS}


def get(codename: str) -> Permission:
    try:
        return BY_CODENAME[codename]
    except KeyError:
        raise LookupError(f"Unknown permission codename {codename!r}") from None


def default_grant(codename: str, role: str) -> bool:
    permission = get(codename)
    if role in permission.locked:
        return permission.locked[role]
    return role in permission.defaults
