"""The account page: name, language, theme, shortcuts and the notification matrix."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal import access
from portal.errors import apply_to_form
from portal.forms.accounts import PreferencesForm, ProfileForm, channel_labels
from portal.http import redirect_or_fragment, render_page
from ruledesk import errors
from ruledesk.notifications.services import CHANNELS, preferences_get, preferences_update
from ruledesk.tenancy.models import User
from ruledesk.tenancy.services import me_update


def _profile_initial(user: User) -> dict[str, object]:
    return {
        "name": user.name,
        "locale": user.locale,
        "theme": user.theme,
        "shortcuts_enabled": user.shortcuts_enabled,
    }


def _page(
    request: HttpRequest, profile: ProfileForm, preferences: PreferencesForm, status: int = 200
) -> HttpResponse:
    context = {
        "profile": profile,
        "preferences": preferences,
        "channels": [channel_labels()[c] for c in CHANNELS],
    }
    return render_page(request, "portal/accounts/account.html", context, status=status)


@access.login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    profile = ProfileForm(request.POST or None, initial=_profile_initial(user))
    preferences = PreferencesForm(current=preferences_get(user=user))
    if request.method == "POST" and profile.is_valid():
        try:
            me_update(user=user, **profile.cleaned_data)
        except errors.ValidationFailed as exc:
            apply_to_form(profile, exc)
        else:
            translation.activate(user.locale)  # the confirmation speaks the chosen language
            messages.success(request, _("Your account settings are saved."))
            return redirect_or_fragment(request, reverse("portal:account"))
    status = 400 if request.method == "POST" else 200
    return _page(request, profile, preferences, status)


@access.login_required
@require_http_methods(["POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    preferences = PreferencesForm(request.POST, current=preferences_get(user=user))
    if preferences.is_valid():
        preferences_update(actor=user, events=preferences.choices())
        messages.success(request, _("Your notification preferences are saved."))
        return redirect_or_fragment(request, reverse("portal:account") + "#notifications")
    return _page(request, ProfileForm(initial=_profile_initial(user)), preferences, 400)
