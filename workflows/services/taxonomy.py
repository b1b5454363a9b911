"""Categories and tags: admin-managed, org-scoped; archive hides from pickers, merge re-points."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.audit import services as audit
from ruledesk.tenancy.models import User
from workflows.models import Category, SlaPolicy, Tag, Ticket, TicketTag
from workflows.services import _refs

_T = TypeVar("_T", Category, Tag)
UNSET: Any = object()


def _require(actor: User, obj: Category | Tag | None = None) -> int:
    policy.require(actor, "taxonomy.manage", obj)
    if actor.organization_id is None:
        raise errors.PermissionDenied()
    return actor.organization_id


def _name_taken(model: type[Category] | type[Tag]) -> errors.Conflict:
    if model is Category:
        return errors.Conflict(_("A category with this name already exists."))
    return errors.Conflict(_("A tag with this name already exists."))


def _ensure_unique(model: type[_T], org_id: int, name: str, exclude: int | None = None) -> None:
    clash = model.objects.filter(organization_id=org_id, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise _name_taken(model)


def _create_unique(model: type[_T], **fields: Any) -> _T:
    """Create, turning a lost race on the unique name into the same 409 as the pre-check."""
    try:
        with transaction.atomic():
            return model.objects.create(**fields)
    except IntegrityError:
        raise _name_taken(model) from None


def _parent(org_id: int, parent_id: int | None, own_id: int | None = None) -> Category | None:
    parent = _refs.category(org_id, parent_id, field="parent")
    if parent is None:
        return None
    if parent.parent_id is not None:
        raise errors.ValidationFailed.on(
            "parent", _("Categories nest two levels deep at most."), "too_deep"
        )
    if own_id is not None and (
        parent.pk == own_id or Category.objects.filter(parent_id=own_id).exists()
    ):
        raise errors.ValidationFailed.on(
            "parent", _("This would nest categories too deeply."), "too_deep"
        )
    return parent


def category_create(
    *, actor: User, name: str, parent_id: int | None = None, default_team_id: int | None = None
) -> Category:
    org_id = _require(actor)
    with transaction.atomic():
        _ensure_unique(Category, org_id, name)
        category = _create_unique(
            Category,
            organization_id=org_id,
            name=name,
            parent=_parent(org_id, parent_id),
            default_team=_refs.team(org_id, default_team_id, field="default_team"),
        )
        _audit(actor, "category.create", category, {"name": name})
    return category


def category_update(
    *,
    actor: User,
    category: Category,
    name: Any = UNSET,
    parent_id: Any = UNSET,
    default_team_id: Any = UNSET,
) -> Category:
    org_id = _require(actor, category)
    with transaction.atomic():
        category = Category.objects.select_for_update().get(pk=category.pk)
        changes: dict[str, list[Any]] = {}
        if name is not UNSET and name != category.name:
            _ensure_unique(Category, org_id, name, exclude=category.pk)
            changes["name"] = [category.name, name]
            category.name = name
        if parent_id is not UNSET and parent_id != category.parent_id:
            category.parent = _parent(org_id, parent_id, own_id=category.pk)
            changes["parent"] = [category.parent_id, parent_id]
        if default_team_id is not UNSET and default_team_id != category.default_team_id:
            category.default_team = _refs.team(org_id, default_team_id, field="default_team")
            changes["default_team"] = [category.default_team_id, default_team_id]
        if changes:
            category.save()
            _audit(actor, "category.update", category, changes)
    return category


def category_archive(*, actor: User, category: Category) -> Category:
    return _archive(actor, category)


def tag_archive(*, actor: User, tag: Tag) -> Tag:
    return _archive(actor, tag)


def _archive(actor: User, obj: _T) -> _T:
    _require(actor, obj)
    with transaction.atomic():
        if not obj.is_archived:
            obj.is_archived = True
            obj.save(update_fields=["is_archived", "updated_at"])
            _audit(actor, f"{_kind(obj)}.archive", obj, {})
    return obj


def category_delete(*, actor: User, category: Category) -> None:
    _require(actor, category)
    with transaction.atomic():
        _audit(actor, "category.delete", category, {"name": category.name})
        try:
            category.delete()
        except ProtectedError:
            raise errors.Conflict(
                _(
                    "Tickets, subcategories or SLA policies use this category: archive or merge it instead."
                )
            ) from None


def tag_delete(*, actor: User, tag: Tag) -> None:
    _require(actor, tag)
    with transaction.atomic():
        _audit(actor, "tag.delete", tag, {"name": tag.name})
        tag.delete()


def category_merge(*, actor: User, source: Category, target: Category) -> Category:
    """Move every ticket and subcategory of `source` to `target`, then delete `source`."""
    _require(actor, source)
    _require(actor, target)
    if source.pk == target.pk:
        raise errors.ValidationFailed.on(
            "into", _("A category cannot merge into itself."), "invalid"
        )
    if target.parent_id == source.pk:
        raise errors.ValidationFailed.on(
            "into", _("Cannot merge into a subcategory of itself."), "invalid"
        )
    with transaction.atomic():
        moved = Ticket.objects.filter(category=source).update(category=target)
        SlaPolicy.objects.filter(category=source).update(category=target)
        Category.objects.filter(parent=source).update(parent=target.parent or target)
        _audit(actor, "category.merge", target, {"from": source.pk, "tickets": moved})
        source.delete()
    return target


def tag_merge(*, actor: User, source: Tag, target: Tag) -> Tag:
    """Give every ticket tagged `source` the tag `target`, then delete `source`."""
    _require(actor, source)
    _require(actor, target)
    if source.pk == target.pk:
        raise errors.ValidationFailed.on("into", _("A tag cannot merge into itself."), "invalid")
    with transaction.atomic():
        tagged = TicketTag.objects.filter(tag=source)
        already = TicketTag.objects.filter(tag=target).values("ticket_id")
        moved = tagged.exclude(ticket_id__in=already).update(tag=target)
        tagged.delete()
        _audit(actor, "tag.merge", target, {"from": source.pk, "tickets": moved})
        source.delete()
    return target


def tag_create(*, actor: User, name: str) -> Tag:
    org_id = _require(actor)
    with transaction.atomic():
        _ensure_unique(Tag, org_id, name)
        tag = _create_unique(Tag, organization_id=org_id, name=name)
        _audit(actor, "tag.create", tag, {"name": name})
    return tag


def tag_update(*, actor: User, tag: Tag, name: Any = UNSET) -> Tag:
    org_id = _require(actor, tag)
    with transaction.atomic():
        if name is not UNSET and name != tag.name:
            _ensure_unique(Tag, org_id, name, exclude=tag.pk)
            _audit(actor, "tag.update", tag, {"name": [tag.name, name]})
            tag.name = name
            tag.save(update_fields=["name", "updated_at"])
    return tag


def _kind(obj: Category | Tag) -> str:
    return "category" if isinstance(obj, Category) else "tag"


def _audit(actor: User, action: str, obj: Category | Tag, changes: dict[str, Any]) -> None:
    audit.record(actor=actor, action=action, obj_type=_kind(obj), obj_id=obj.pk, changes=changes)
