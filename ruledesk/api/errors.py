"""problem+json (RFC 9457) for every API error, from one place.

DRF's exceptions, Django's 404/500 and our `ApplicationError` family all end
up in `problem_response()`, so the shape never drifts.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from ruledesk import context, errors
from ruledesk.errors import StrOrPromise

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
_TITLES = {
    400: "Invalid input",
    401: "Authentication required",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    410: "Gone",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem_body(
    status: int,
    code: str,
    detail: StrOrPromise,
    *,
    title: StrOrPromise | None = None,
    field_errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The problem document; `detail` and `title` may be lazy translations (rendered now)."""
    body: dict[str, Any] = {
        "type": f"https://ruledesk.dev/problems/{code.replace('_', '-')}",
        "title": str(title or _TITLES.get(status, "Error")),
        "status": status,
        "detail": str(detail),
        "code": code,
        "request_id": context.current().request_id,
    }
    if field_errors is not None:
        body["errors"] = field_errors
    return body


def problem_response(
    status: int,
    code: str,
    detail: StrOrPromise,
    *,
    field_errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """A plain Django response, for middleware and URL-level handlers."""
    response = JsonResponse(
        problem_body(status, code, detail, field_errors=field_errors),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn DRF's nested error detail into [{"field", "code", "message"}] with dotted paths."""
    found: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # ListField / ListSerializer report items by index
                found.extend(flatten_errors(value, f"{prefix}[{key}]"))
                continue
            name = "" if key in ("non_field_errors", "detail") else str(key)
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            found.extend(flatten_errors(value, path))
    elif isinstance(detail, list):
        if all(isinstance(item, (str, drf.ErrorDetail)) for item in detail):
            for item in detail:
                found.append(_leaf(prefix, item))
        else:
            for index, item in enumerate(detail):
                if item in ({}, [], None):
                    continue
                found.extend(flatten_errors(item, f"{prefix}[{index}]"))
    else:
        found.append(_leaf(prefix, detail))
    return found


def _leaf(field: str, item: Any) -> dict[str, str]:
    code = getattr(item, "code", None) or "invalid"
    return {"field": field, "code": str(code), "message": str(item)}


def _drf_code(exc: drf.APIException) -> str:
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        return "not_authenticated"
    if isinstance(exc, drf.PermissionDenied):
        return "permission_denied"
    if isinstance(exc, drf.NotFound):
        return "not_found"
    if isinstance(exc, drf.MethodNotAllowed):
        return "method_not_allowed"
    if isinstance(exc, drf.ParseError):
        return "parse_error"
    if isinstance(exc, drf.UnsupportedMediaType):
        return "unsupported_media_type"
    if isinstance(exc, drf.Throttled):
        return "rate_limited"
    if isinstance(exc, drf.ValidationError):
        return "validation_error"
    if isinstance(exc, drf.NotAcceptable):
        return "not_acceptable"
    return "error"


def exception_handler(exc: Exception, ctx: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every API error becomes a problem."""
    headers: dict[str, str] = {}
    if isinstance(exc, errors.ApplicationError):
        field_errors = [
            {"field": e.field, "code": e.code, "message": str(e.message)} for e in exc.errors
        ] or None
        body = problem_body(exc.status, exc.code, exc.detail, field_errors=field_errors)
        if isinstance(exc, errors.RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        return _problem(body, exc.status, headers)
    if isinstance(exc, Http404):
        return _problem(problem_body(404, "not_found", "Not found."), 404, headers)
    if isinstance(exc, DjangoPermissionDenied):
        return _problem(problem_body(403, "permission_denied", "Permission denied."), 403, headers)
    if not isinstance(exc, drf.APIException):
        return None  # a real bug: Django's 500 handler answers with a problem and logs it
    status = exc.status_code
    code = _drf_code(exc)
    if isinstance(exc, drf.ValidationError):
        field_errors = flatten_errors(exc.detail)
        body = problem_body(
            status, code, "The request has invalid fields.", field_errors=field_errors
        )
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        body = problem_body(status, code, str(detail))
    wait = getattr(exc, "wait", None)
    if isinstance(exc, drf.Throttled) and wait is not None:
        headers["Retry-After"] = str(max(1, int(wait)))
    auth_header = getattr(exc, "auth_header", None)
    if status == 401:
        headers["WWW-Authenticate"] = auth_header or 'Bearer realm="api"'
    return _problem(body, status, headers)


def _problem(body: dict[str, Any], status: int, headers: dict[str, str]) -> Response:
    return Response(body, status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return problem_response(404, "not_found", "Not found.")
    from django.views import defaults

    return defaults.page_not_found(request, exception or Http404())


def handler500(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return problem_response(500, "server_error", "An unexpected error occurred.")
    from django.views import defaults

    return defaults.server_error(request)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return problem_response(403, "permission_denied", "Permission denied.")
    from django.views import defaults

    return defaults.permission_denied(request, exception or DjangoPermissionDenied())


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return problem_response(400, "bad_request", "Bad request.")
    from django.views import defaults

    return defaults.bad_request(request, exception or Exception())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api_request(request):
        return problem_response(403, "permission_denied", "CSRF check failed.")
    from django.views.csrf import csrf_failure as default

    return default(request, reason)
