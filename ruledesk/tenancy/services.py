"""Every write to organizations, users and teams."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruledesk import errors
from ruledesk.access import policy
from ruledesk.audit import services as audit
from ruledesk.events.services import emit
from ruledesk.tenancy import listeners
from ruledesk.tenancy.models import Locale, Organization, Role, Team, TeamMembership, Theme, User


def organization_create(
    *, slug: str, name: str, timezone_name: str = "UTC", default_locale: str = "en"
) -> Organization:
    """Platform operation (seed, operator tooling); not exposed through the tenant API."""
    with transaction.atomic():
        org = Organization(
            slug=slug, name=name, timezone=timezone_name, default_locale=default_locale
        )
        org.full_clean()
        org.save()
        audit.record(
            actor=None,
            action="organization.create",
            obj_type="organization",
            obj_id=org.pk,
            organization_id=org.pk,
            changes={"slug": slug, "name": name},
        )
        # Apps that set up per-organization defaults (the rule set) listen for this.
        emit(organization_id=org.pk, type="organization.created", payload={"slug": slug})
        listeners.organization_created(org)  # set-up that must exist with the organization
    return org


SYSTEM_ACTOR_NAME = "Ruledesk automation"


def system_actor(organization_id: int) -> User:
    """The organization's automation user, created on first use; it cannot log in."""
    found = User.objects.filter(organization_id=organization_id, is_system=True).first()
    if found is not None:
        return found
    user = User(
        organization_id=organization_id,
        email=f"automation+{organization_id}@ruledesk.invalid",
        name=SYSTEM_ACTOR_NAME,
        role=Role.AGENT,
        is_system=True,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent first use created it
        return User.objects.get(organization_id=organization_id, is_system=True)
    return user


def _check_password(password: str | None, user: User | None = None) -> None:
    if password is None:
        return
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise errors.ValidationFailed(
            _("The password is too weak."),
            errors=[errors.FieldError("password", "weak_password", m) for m in exc.messages],
        ) from None


def user_create(
    *,
    actor: User | None,
    organization: Organization,
    email: str,
    name: str = "",
    role: str = Role.REQUESTER,
    password: str | None = None,
    locale: str | None = None,
) -> User:
    """Create a user; `actor=None` is the system (seed data), never a request."""
    if actor is not None:
        policy.require(actor, "users.manage")
        if actor.organization_id != organization.pk:
            raise errors.NotFound()
    email = email.strip().lower()
    _check_password(password, User(email=email, name=name))
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise errors.Conflict(_("A user with this e-mail address already exists."))
        try:
            user = User.objects.create_user(
                email=email,
                password=password,
                name=name,
                role=role,
                organization=organization,
                locale=locale or organization.default_locale,
            )
        except IntegrityError:
            raise errors.Conflict(_("A user with this e-mail address already exists.")) from None
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        audit.record(
            actor=actor,
            action="user.create",
            obj_type="user",
            obj_id=user.pk,
            organization_id=organization.pk,
            changes={"email": email, "role": role},
        )
        listeners.access_changed(organization.pk, [user.pk])
    return user


def _lock_admins(organization_id: int) -> list[int]:
    """Lock the organization's active admins (ordered by id) and return their ids."""
    return list(
        User.live.select_for_update()
        .filter(organization_id=organization_id, role=Role.ADMIN, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _ensure_admin_remains(user: User) -> None:
    if user.organization_id is None:  # platform operators have no organization to protect
        return
    admins = _lock_admins(user.organization_id)
    if user.pk in admins and len(admins) <= 1:
        raise errors.LastAdmin(_("This is the organization's last active admin."))


def user_update(
    *,
    actor: User,
    user: User,
    name: str | None = None,
    role: str | None = None,
    is_active: bool | None = None,
    locale: str | None = None,
) -> User:
    policy.require(actor, "users.manage", user)
    changes: dict[str, list[Any]] = {}
    with transaction.atomic():
        loses_admin = (role is not None and role != Role.ADMIN) or is_active is False
        if loses_admin:
            # Admins are locked (by id) before the user row, so two admins demoting
            # each other wait for one another instead of deadlocking.
            _ensure_admin_remains(user)
        user = User.live.select_for_update().get(pk=user.pk)
        for field, value in (
            ("name", name),
            ("role", role),
            ("is_active", is_active),
            ("locale", locale),
        ):
            if value is not None and getattr(user, field) != value:
                changes[field] = [getattr(user, field), value]
                setattr(user, field, value)
        if changes:
            user.save(update_fields=[*changes, "updated_at"])
            action = "user.role_change" if "role" in changes else "user.update"
            audit.record(
                actor=actor, action=action, obj_type="user", obj_id=user.pk, changes=changes
            )
            if ("role" in changes or "is_active" in changes) and user.organization_id:
                listeners.access_changed(user.organization_id, [user.pk])
    return user


def user_delete(*, actor: User, user: User) -> None:
    """Deactivate and hide a user; rows that point at them (tickets, audit) stay intact."""
    policy.require(actor, "users.manage", user)
    with transaction.atomic():
        _ensure_admin_remains(user)  # locks the admins first, as user_update does
        user = User.live.select_for_update().get(pk=user.pk)
        user.is_active = False
        user.deleted_at = timezone.now()
        user.set_unusable_password()
        user.save(update_fields=["is_active", "deleted_at", "password", "updated_at"])
        TeamMembership.objects.filter(user=user).delete()
        audit.record(
            actor=actor,
            action="user.delete",
            obj_type="user",
            obj_id=user.pk,
            changes={"email": user.email},
        )
        if user.organization_id:
            listeners.access_changed(user.organization_id, [user.pk])


def me_update(
    *,
    user: User,
    name: str | None = None,
    locale: str | None = None,
    theme: str | None = None,
    shortcuts_enabled: bool | None = None,
) -> User:
    """Change the user's own profile and UI preferences; unknown choices are refused."""
    requested = {
        "name": name,
        "locale": locale,
        "theme": theme,
        "shortcuts_enabled": shortcuts_enabled,
    }
    _check_choice("locale", locale, Locale.values)
    _check_choice("theme", theme, Theme.values)
    changed = [field for field, value in requested.items() if value is not None]
    for field in changed:
        setattr(user, field, requested[field])
    if changed:
        user.save(update_fields=[*changed, "updated_at"])
    return user


def _check_choice(field: str, value: str | None, allowed: list[str]) -> None:
    if value is not None and value not in allowed:
        raise errors.ValidationFailed.on(field, _("Choose one of the offered values."))


def _team_in_org(actor: User | None, organization_id: int, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(organization_id=organization_id, pk=team_id).first()
    if team is None:
        raise errors.ValidationFailed.on("escalation_team", _("No such team."), "does_not_exist")
    return team


def team_create(
    *,
    actor: User | None,
    organization: Organization,
    name: str,
    escalation_team_id: int | None = None,
) -> Team:
    if actor is not None:
        policy.require(actor, "teams.manage")
    with transaction.atomic():
        escalation = _team_in_org(actor, organization.pk, escalation_team_id)
        if Team.objects.filter(organization=organization, name__iexact=name).exists():
            raise errors.Conflict(_("A team with this name already exists."))
        try:
            with transaction.atomic():  # a concurrent create of the same name loses here
                team = Team.objects.create(
                    organization=organization, name=name, escalation_team=escalation
                )
        except IntegrityError:
            raise errors.Conflict(_("A team with this name already exists.")) from None
        audit.record(
            actor=actor,
            action="team.create",
            obj_type="team",
            obj_id=team.pk,
            organization_id=organization.pk,
            changes={"name": name},
        )
    return team


_UNSET: Any = object()


def team_update(
    *, actor: User, team: Team, name: str | None = None, escalation_team_id: Any = _UNSET
) -> Team:
    policy.require(actor, "teams.manage", team)
    changes: dict[str, list[Any]] = {}
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        if name is not None and name != team.name:
            clash = Team.objects.filter(organization_id=team.organization_id, name__iexact=name)
            if clash.exclude(pk=team.pk).exists():
                raise errors.Conflict(_("A team with this name already exists."))
            changes["name"] = [team.name, name]
            team.name = name
        if escalation_team_id is not _UNSET:
            if escalation_team_id == team.pk:
                raise errors.ValidationFailed.on(
                    "escalation_team", _("A team cannot escalate to itself."), "invalid"
                )
            escalation = _team_in_org(actor, team.organization_id, escalation_team_id)
            changes["escalation_team"] = [team.escalation_team_id, escalation_team_id]
            team.escalation_team = escalation
        if changes:
            team.save()
            audit.record(
                actor=actor, action="team.update", obj_type="team", obj_id=team.pk, changes=changes
            )
    return team


def team_delete(*, actor: User, team: Team) -> None:
    policy.require(actor, "teams.manage", team)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="team.delete",
            obj_type="team",
            obj_id=team.pk,
            changes={"name": team.name},
        )
        team.delete()


def team_member_add(*, actor: User | None, team: Team, user: User) -> TeamMembership:
    if actor is not None:
        policy.require(actor, "teams.manage", team)
    if user.organization_id != team.organization_id or user.deleted_at is not None:
        raise errors.NotFound()
    if user.role == Role.REQUESTER:
        raise errors.ValidationFailed.on("user", _("Requesters cannot join teams."), "invalid_role")
    with transaction.atomic():
        membership, created = TeamMembership.objects.get_or_create(
            team=team, user=user, defaults={"organization_id": team.organization_id}
        )
        if created:
            audit.record(
                actor=actor,
                action="team.member_add",
                obj_type="team",
                obj_id=team.pk,
                organization_id=team.organization_id,
                changes={"user": user.pk},
            )
    return membership


def team_member_remove(*, actor: User, team: Team, user: User) -> None:
    policy.require(actor, "teams.manage", team)
    with transaction.atomic():
        deleted, _ = TeamMembership.objects.filter(team=team, user=user).delete()
        if not deleted:
            raise errors.NotFound()
        audit.record(
            actor=actor,
            action="team.member_remove",
            obj_type="team",
            obj_id=team.pk,
            changes={"user": user.pk},
        )
