"""Forms of the shared screens: sign-in, password reset, language, account. They parse; services save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ruledesk.notifications.models import Channel, Kind
from ruledesk.notifications.services import CHANNELS, NOTIFICATION_EVENTS
from ruledesk.tenancy.models import Locale, Theme


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class NewPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("New password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text=_("At least 8 characters; not a common or all-numeric password."),
    )
    password_again = forms.CharField(
        label=_("New password again"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)


class ProfileForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    locale = forms.ChoiceField(label=_("Language"), choices=Locale.choices)
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices, widget=forms.RadioSelect)
    shortcuts_enabled = forms.BooleanField(
        label=_("Single-key keyboard shortcuts"),
        required=False,
        help_text=_("Turn them off if you use speech input or they get in your way."),
    )


def kind_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Kind.choices}


def channel_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Channel.choices}


class PreferencesForm(forms.Form):
    """One checkbox per event × channel, named `<event>:<channel>`."""

    def __init__(self, *args: Any, current: dict[str, dict[str, bool]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in NOTIFICATION_EVENTS:
            for channel in CHANNELS:
                self.fields[f"{kind}:{channel}"] = forms.BooleanField(
                    required=False,
                    initial=current[kind][channel],
                    label=f"{kind_labels()[kind]} — {channel_labels()[channel]}",
                )

    def rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        """(event label, [bound field per channel]) for the matrix table."""
        labels = kind_labels()
        return [
            (labels[kind], [self[f"{kind}:{channel}"] for channel in CHANNELS])
            for kind in NOTIFICATION_EVENTS
        ]

    def choices(self) -> dict[str, dict[str, bool]]:
        return {
            kind: {channel: bool(self.cleaned_data[f"{kind}:{channel}"]) for channel in CHANNELS}
            for kind in NOTIFICATION_EVENTS
        }
