"""Every write to tickets and what hangs off them. Split by subject; import from here."""

from workflows.services.comments import comment_create
from workflows.services.taxonomy import (
    category_archive,
    category_create,
    category_delete,
    category_merge,
    category_update,
    tag_archive,
    tag_create,
    tag_delete,
    tag_merge,
    tag_update,
)
from workflows.services.tickets import ticket_create, ticket_update
from workflows.services.transitions import (
    TRANSITIONS,
    reopen_approval_decide,
    ticket_transition,
    transitions_available,
)

__all__ = [
    "TRANSITIONS",
    "category_archive",
    "category_create",
    "category_delete",
    "category_merge",
    "category_update",
    "comment_create",
    "reopen_approval_decide",
    "tag_archive",
    "tag_create",
    "tag_delete",
    "tag_merge",
    "tag_update",
    "ticket_create",
    "ticket_transition",
    "ticket_update",
    "transitions_available",
]
