"""Each organization's corner of Wagtail: root page, editors group, collection, workflow.

`kb_install` runs when an organization is created (a platform listener, in the same
transaction) and in the data migration for older organizations. `editors_sync`
keeps the editors group equal to the users whose role holds `kb.edit` in the
organization's permission matrix; the platform calls it when a role, a user's
state or the matrix changes. The group holds no global model permission besides
admin access, so Wagtail's permission policies confine its members to their own
root page and collection.
"""

from __future__ import annotations

from collections.abc import Collection as Ids

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from kb.models import KbTenant, KnowledgeBaseRoot
from ruledesk.access import policy
from ruledesk.tenancy.models import Organization, User

PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
MEDIA_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtailimages", "delete_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
    ("wagtaildocs", "delete_document"),
)
EDIT_CODENAME = "kb.edit"


def group_name(organization: Organization) -> str:
    return f"kb-editors:{organization.slug}"


def kb_install(organization: Organization) -> KbTenant:
    """Create (once) the organization's root page, editors group, collection and workflow."""
    found = KbTenant.objects.filter(organization=organization).first()
    if found is not None:
        return found
    with transaction.atomic():
        tree_root = _tree_root()
        root = KnowledgeBaseRoot(
            title=organization.name, slug=f"kb-{organization.slug}", organization=organization
        )
        tree_root.add_child(instance=root)
        root.save_revision(log_action=False).publish(log_action=False)
        collection = _collection_root().add_child(name=f"{organization.name} ({organization.slug})")
        editors = Group.objects.create(name=group_name(organization))
        editors.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
        for codename in PAGE_PERMISSIONS:
            GroupPagePermission.objects.create(
                group=editors,
                page=root,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
        for app_label, codename in MEDIA_PERMISSIONS:
            GroupCollectionPermission.objects.create(
                group=editors,
                collection=collection,
                permission=Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                ),
            )
        workflow = _workflow(organization, editors, root)
        tenant = KbTenant.objects.create(
            organization=organization,
            root=root,
            editors=editors,
            collection=collection,
            workflow=workflow,
        )
        editors_sync(organization.pk)
    return tenant


def _tree_root() -> Page:
    """Wagtail's tree root (made by its migrations; again if a test flush removed it)."""
    root = Page.get_first_root_node()
    if root is None:
        if not Locale.objects.exists():
            Locale.objects.create(language_code=get_supported_content_language_variant("en"))
        root = Page.add_root(instance=Page(title="Root", slug="root", live=True))
    return root


def _collection_root() -> Collection:
    root = Collection.get_first_root_node()
    if root is None:
        root = Collection.add_root(name="Root")
    return root


def organization_created(organization: Organization) -> None:
    """Platform listener: a new organization gets its knowledge base at once."""
    kb_install(organization)


def _workflow(organization: Organization, editors: Group, root: Page) -> Workflow:
    """Moderation for the organization's pages: one review task by its editors."""
    workflow = Workflow.objects.create(name=f"KB review: {organization.slug}")
    task = GroupApprovalTask.objects.create(name=f"KB review: {organization.slug}")
    task.groups.set([editors])
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=root)
    return workflow


def editors_sync(organization_id: int, user_ids: Ids[int] | None = None) -> None:
    """Make the editors group hold exactly the organization's users allowed `kb.edit`."""
    tenant = KbTenant.objects.filter(organization_id=organization_id).first()
    if tenant is None:
        return
    organization = tenant.organization
    policy.invalidate(organization_id)  # the matrix may have changed in this transaction
    allowed = policy.users_with(EDIT_CODENAME, organization)
    members = User.objects.filter(organization_id=organization_id, groups=tenant.editors)
    if user_ids is not None:
        allowed = allowed.filter(pk__in=user_ids)
        members = members.filter(pk__in=user_ids)
    should = set(allowed.values_list("pk", flat=True))
    has = set(members.values_list("pk", flat=True))
    through = User.groups.through
    if should - has:
        through.objects.bulk_create(
            [through(user_id=pk, group_id=tenant.editors_id) for pk in sorted(should - has)]
        )
    if has - should:
        through.objects.filter(group_id=tenant.editors_id, user_id__in=has - should).delete()


def editors_group(organization_id: int) -> Group | None:
    tenant = KbTenant.objects.filter(organization_id=organization_id).select_related("editors")
    found = tenant.first()
    return found.editors if found is not None else None
