"""The language of a portal page: the user's, else the browser's choice (cookie, then header).

`LocaleMiddleware` has already picked from the `django_language` cookie (set by
the language switch, also before sign-in) and `Accept-Language`. A signed-in
person's own setting wins; a new user starts with the organization's default
language (`tenancy.services.user_create`), which is how the organization's
choice comes before the browser's. The API keeps English problem texts for
integrators unless they ask otherwise, so /api/ is left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from portal.access import is_member

Handler = Callable[[HttpRequest], HttpResponse]


class UserLanguageMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or not is_member(user):
            return self.get_response(request)
        language = user.locale  # type: ignore[union-attr]
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
