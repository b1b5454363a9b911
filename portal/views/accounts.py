"""Shared screens: sign in and out, password reset, language switch, and `/`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import access
from portal.errors import apply_to_form
from portal.forms.accounts import LanguageForm, LoginForm, NewPasswordForm, PasswordResetRequestForm
from portal.http import render_page, safe_next
from ruledesk import errors
from ruledesk.client_ip import client_ip
from ruledesk.tenancy import password_reset as resets
from ruledesk.tenancy import signin
from ruledesk.tenancy.services import me_update

LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


@access.login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(access.home_url(request.user))  # type: ignore[arg-type]


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if access.is_member(request.user) and request.method == "GET":
        return HttpResponseRedirect(access.home_url(request.user))  # type: ignore[arg-type]
    form = LoginForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = signin.credentials_check(
                request=request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except (errors.NotAuthenticated, errors.RateLimited) as exc:
            apply_to_form(form, exc)
            status = 429 if isinstance(exc, errors.RateLimited) else 200
        else:
            auth.login(request, user, backend="ruledesk.tenancy.backends.ModelBackend")
            return HttpResponseRedirect(
                safe_next(request, form.cleaned_data["next"], access.home_url(user))
            )
    elif request.method == "POST":
        status = 400
    return render_page(request, "portal/accounts/login.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm (a link must not sign anyone out); POST signs out."""
    if request.method == "GET":
        if not access.is_member(request.user):
            return HttpResponseRedirect(reverse("portal:login"))
        return render_page(request, "portal/accounts/logout.html")
    auth.logout(request)
    # The sign-in page that follows speaks the browser's language again; so does the toast.
    translation.activate(translation.get_language_from_request(request))
    messages.success(request, _("You have signed out."))
    return HttpResponseRedirect(reverse("portal:login"))


@csrf_protect
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            resets.password_reset_request(
                email=form.cleaned_data["email"],
                ip=client_ip(request),
                link_for=lambda uid, token: request.build_absolute_uri(
                    reverse("portal:password-reset-confirm", args=[uid, token])
                ),
            )
        except errors.RateLimited as exc:
            apply_to_form(form, exc)
            status = 429
        else:
            return HttpResponseRedirect(reverse("portal:password-reset-sent"))
    elif request.method == "POST":
        status = 400
    return render_page(
        request, "portal/accounts/password_reset.html", {"form": form}, status=status
    )


@require_GET
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render_page(request, "portal/accounts/password_reset_sent.html")


@sensitive_post_parameters("password", "password_again")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = resets.password_reset_user(uidb64=uidb64, token=token)
    if user is None:
        return render_page(request, "portal/accounts/password_reset_invalid.html", status=410)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resets.password_reset_complete(user=user, password=form.cleaned_data["password"])
        except errors.ValidationFailed as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, _("Your password is changed. Sign in with it now."))
            return HttpResponseRedirect(reverse("portal:login"))
    return render_page(request, "portal/accounts/password_reset_confirm.html", {"form": form})


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the language: remembered in a cookie, and on the account when signed in."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        raise errors.ValidationFailed(_("Choose one of the offered languages."))
    chosen = form.cleaned_data["language"]
    if access.is_member(request.user):
        me_update(user=request.user, locale=chosen)  # type: ignore[arg-type]
    target = safe_next(request, form.cleaned_data["next"], reverse("portal:home"))
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        chosen,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response
