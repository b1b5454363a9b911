from __future__ import annotations

import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone."))


class Locale(models.TextChoices):
    EN = "en", "English"
    PL = "pl", "Polski"


class Theme(models.TextChoices):
    """The web UI's colour scheme; SYSTEM follows the browser's prefers-color-scheme."""

    SYSTEM = "system", _("Follow the system")
    LIGHT = "light", _("Light")
    DARK = "dark", _("Dark")


class Role(models.TextChoices):
    REQUESTER = "requester", _("Requester")
    AGENT = "agent", _("Agent")
    ADMIN = "admin", _("Admin")


class Organization(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    default_locale = models.CharField(max_length=2, choices=Locale.choices, default=Locale.EN)
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return self.slug


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        """A platform operator for Django's admin; belongs to no organization."""
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class ActiveUserManager(UserManager):
    def get_queryset(self) -> models.QuerySet[User]:
        # The automation user is an implementation detail: never listed, picked or counted.
        return super().get_queryset().filter(deleted_at__isnull=True, is_system=False)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REQUESTER)
    locale = models.CharField(max_length=2, choices=Locale.choices, default=Locale.EN)
    theme = models.CharField(max_length=8, choices=Theme.choices, default=Theme.SYSTEM)
    # Single-key shortcuts can be turned off (WCAG 2.1.4: they clash with speech input).
    shortcuts_enabled = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # One per organization: the actor rule actions and other automation run as.
    is_system = models.BooleanField(default=False, editable=False)

    objects: ClassVar[UserManager] = UserManager()
    live: ClassVar[ActiveUserManager] = ActiveUserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                name="user_org_required_unless_operator",
                condition=models.Q(organization__isnull=False) | models.Q(is_superuser=True),
            ),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_system=True),
                name="one_system_user_per_org",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["organization", "role"], name="user_org_role_idx"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]


class Team(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    escalation_team = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)
    members = models.ManyToManyField(User, through="TeamMembership", related_name="teams")

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint("organization", Lower("name"), name="team_name_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["team", "user"], name="team_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.team_id}"
