"""Request-level conventions: request ids, security headers, input guards, log context."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from ruledesk import context
from ruledesk.api.errors import problem_response
from ruledesk.client_ip import client_ip

Handler = Callable[[HttpRequest], HttpResponse]
logger = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def page_csp() -> str:
    """CSP for pages; browsers PUT attachments straight to S3, so its origin may be fetched."""
    origin = _upload_origin()
    return CSP.replace("connect-src 'self'", f"connect-src 'self' {origin}") if origin else CSP


def _upload_origin() -> str:
    storages: dict[str, Any] = settings.STORAGES
    options: dict[str, Any] = storages.get("attachments", {}).get("OPTIONS", {})
    endpoint = settings.RULEDESK_S3_PUBLIC_ENDPOINT_URL or options.get("endpoint_url") or ""
    if "bucket_name" not in options or not endpoint:
        return ""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class RequestIdMiddleware:
    """Echo a safe X-Request-ID or make one; bind it (and the client IP) for logs and audit."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.bind(
            request_id=request_id, client_ip=client_ip(request), user_id=None, memo={}
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: CSP on HTML, no-store on the API."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html"):
            response.setdefault("Content-Security-Policy", page_csp())
        else:
            response.setdefault(
                "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"
            )
        if request.path.startswith("/api/v1/"):
            response["Cache-Control"] = "no-store"
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class RequestGuardMiddleware:
    """Reject NUL bytes and oversized bodies on the API before any view parses them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if "\x00" in request.path:  # no route, hence no resource, has a NUL in its path
            return problem_response(404, "not_found", "Not found.")
        if "%00" in request.META.get("QUERY_STRING", ""):
            return _nul_in_parameters(request)
        if not (request.content_type or "").startswith("multipart/"):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return problem_response(400, "parse_error", "Invalid Content-Length.")
            if declared > limit:
                return _too_large(limit)
            try:
                request.body  # noqa: B018 - reading enforces the size limit on chunked bodies
            except RequestDataTooBig:
                return _too_large(limit)
        return self.get_response(request)


def _nul_in_parameters(request: HttpRequest) -> HttpResponse:
    """A 400 validation_error naming each query parameter whose name or value holds a NUL."""
    names = [
        name
        for name, values in request.GET.lists()
        if "\x00" in name or any("\x00" in value for value in values)
    ]
    message = "NUL characters are not allowed."
    return problem_response(
        400,
        "validation_error",
        "The request has invalid parameters.",
        field_errors=[
            {
                "field": name.replace("\x00", ""),
                "code": "null_characters_not_allowed",
                "message": message,
            }
            for name in names
        ],
    )


def _too_large(limit: int) -> HttpResponse:
    return problem_response(
        413, "payload_too_large", f"Request bodies are limited to {limit} bytes."
    )


class LogContextMiddleware:
    """Bind the session user's id for log lines (token users are bound by their authenticator)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context.bind(user_id=user.pk)
        return self.get_response(request)


_CODES_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    500: "server_error",
}


class ApiProblemMiddleware:
    """Whatever answers an /api/ error outside DRF (URL 404, debug pages, crashes) becomes a problem."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith(("application/problem+json", "application/json")):
            return response
        status = response.status_code
        return problem_response(
            status, _CODES_BY_STATUS.get(status, "error"), response.reason_phrase or "Error."
        )

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(500, "server_error", "An unexpected error occurred.")
