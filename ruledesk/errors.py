"""The one family of domain exceptions.

Services raise these; `ruledesk.api.errors` maps them to problem+json once and
the portal maps them to messages. `code` is the stable machine string of api.md.

Messages are translatable: services pass `gettext` strings (`_("...")`, values
through `%(name)s` placeholders), and lazy ones are welcome too. Either way the
exception holds plain `str` from the moment it is raised, in the language active
then (the request's), so every interface renders it with `str()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise


@dataclass(frozen=True, init=False)
class FieldError:
    field: str
    code: str
    message: str

    def __init__(self, field: str, code: str, message: StrOrPromise) -> None:
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "message", str(message))


class ApplicationError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: StrOrPromise = _("Bad request")

    def __init__(
        self, detail: StrOrPromise = "", *, errors: list[FieldError] | None = None
    ) -> None:
        text = str(detail or self.title)
        super().__init__(text)
        self.detail = text
        self.errors = errors or []


class NotFound(ApplicationError):
    status, code, title = 404, "not_found", _("Not found")


class PermissionDenied(ApplicationError):
    status, code, title = 403, "permission_denied", _("Permission denied")


class ValidationFailed(ApplicationError):
    status, code, title = 400, "validation_error", _("Invalid input")

    @classmethod
    def on(cls, field: str, message: StrOrPromise, code: str = "invalid") -> ValidationFailed:
        return cls(message, errors=[FieldError(field=field, code=code, message=message)])


class Conflict(ApplicationError):
    status, code, title = 409, "conflict", _("Conflict")


class LastAdmin(ApplicationError):
    status, code, title = 409, "last_admin", _("The organization must keep an admin")


class InvalidTransition(ApplicationError):
    status, code, title = 409, "invalid_transition", _("Transition not allowed")


class PreconditionFailed(ApplicationError):
    status, code, title = 412, "precondition_failed", _("Precondition failed")


class Gone(ApplicationError):
    status, code, title = 410, "gone", _("Gone")


class RateLimited(ApplicationError):
    status, code, title = 429, "rate_limited", _("Too many requests")

    def __init__(self, detail: StrOrPromise = "", *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))


class NotAuthenticated(ApplicationError):
    status, code, title = 401, "not_authenticated", _("Authentication required")


class PayloadTooLarge(ApplicationError):
    status, code, title = 413, "payload_too_large", _("Payload too large")


class UnsupportedMediaType(ApplicationError):
    status, code, title = 415, "unsupported_media_type", _("Unsupported media type")


class ChecksumMismatch(ApplicationError):
    status, code, title = 400, "checksum_mismatch", _("The upload does not match its checksum")


class NotScanned(ApplicationError):
    status, code, title = 409, "not_scanned", _("The file is not available (scanning or refused)")
