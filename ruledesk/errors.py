"""The one family of domain exceptions.

Services raise these; `ruledesk.api.errors` maps them to problem+json once and
the portal maps them to messages. `code` is the stable machine string of api.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


class ApplicationError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str = "", *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or []


class NotFound(ApplicationError):
    status, code, title = 404, "not_found", "Not found"


class PermissionDenied(ApplicationError):
    status, code, title = 403, "permission_denied", "Permission denied"


class ValidationFailed(ApplicationError):
    status, code, title = 400, "validation_error", "Invalid input"

    @classmethod
    def on(cls, field: str, message: str, code: str = "invalid") -> ValidationFailed:
        return cls(message, errors=[FieldError(field=field, code=code, message=message)])


class Conflict(ApplicationError):
    status, code, title = 409, "conflict", "Conflict"


class LastAdmin(ApplicationError):
    status, code, title = 409, "last_admin", "The organization must keep an admin"


class InvalidTransition(ApplicationError):
    status, code, title = 409, "invalid_transition", "Transition not allowed"


class PreconditionFailed(ApplicationError):
    status, code, title = 412, "precondition_failed", "Precondition failed"


class Gone(ApplicationError):
    status, code, title = 410, "gone", "Gone"


class RateLimited(ApplicationError):
    status, code, title = 429, "rate_limited", "Too many requests"

    def __init__(self, detail: str = "", *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))


class NotAuthenticated(ApplicationError):
    status, code, title = 401, "not_authenticated", "Authentication required"
