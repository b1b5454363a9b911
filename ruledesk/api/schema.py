"""drf-spectacular extensions: our authenticators, and the conventions every operation shares.

`problem_responses_hook` (a POSTPROCESSING_HOOK) documents what api.md promises for
every `/api/v1/` operation but no single view declares: RFC 9457 problem+json error
responses, the `X-Request-ID` header, `Idempotency-Key` on POSTs and `If-Match` on
writes that check it.
"""

from __future__ import annotations

import inspect
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from ruledesk.api.base import IdempotentMixin

API_PREFIX = "/api/v1/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
_METHODS = ("get", "put", "post", "patch", "delete")
_WRITES = ("put", "post", "patch", "delete")


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "ruledesk.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "ruledesk.api.authentication.CsrfSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


# status -> (component name, description, the `code` values api.md allows for it)
_ERRORS: dict[int, tuple[str, str, list[str]]] = {
    400: (
        "BadRequest",
        "Malformed JSON, invalid fields or parameters; validation errors list `errors`.",
        ["bad_request", "parse_error", "validation_error", "checksum_mismatch"],
    ),
    401: ("Unauthorized", "Missing, invalid or expired credentials.", ["not_authenticated"]),
    403: ("Forbidden", "Known object or action the caller may not use.", ["permission_denied"]),
    404: ("NotFound", "No such object in the caller's organization.", ["not_found"]),
    409: (
        "Conflict",
        "The change conflicts with the current state.",
        ["conflict", "last_admin", "invalid_transition", "not_scanned"],
    ),
    412: (
        "PreconditionFailed",
        "`If-Match` does not match the current ETag.",
        ["precondition_failed"],
    ),
    410: ("Gone", "The object existed but is no longer usable (expired).", ["gone"]),
    413: (
        "PayloadTooLarge",
        "The request body or a declared attachment exceeds the size limit.",
        ["payload_too_large"],
    ),
    415: (
        "UnsupportedMediaType",
        "The request body is not JSON, or an attachment type is not allowed.",
        ["unsupported_media_type"],
    ),
    422: (
        "IdempotencyConflict",
        "The `Idempotency-Key` was used before with a different request.",
        ["idempotency_conflict"],
    ),
    429: ("TooManyRequests", "Rate limited; retry after `Retry-After` seconds.", ["rate_limited"]),
}

_REQUEST_ID_PARAMETER = {
    "name": "X-Request-ID",
    "in": "header",
    "required": False,
    "description": "Echoed in the response when it is 1 to 128 of `A-Za-z0-9._:-`; "
    "generated otherwise.",
    "schema": {"type": "string", "maxLength": 128},
}
_IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Replays the first response to the same request with the same key "
    "(per user, for 24 hours); a different request with the key answers 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
_IF_MATCH_PARAMETER = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of the version read; a stale one answers 412.",
    "schema": {"type": "string"},
}
_HEADERS = {
    "X-Request-ID": {
        "description": "The request id, also in the problem body and the logs.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 1},
    },
    "WWW-Authenticate": {
        "description": "The authentication scheme to use.",
        "schema": {"type": "string"},
    },
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _problem_schemas() -> dict[str, Any]:
    return {
        "Problem": {
            "type": "object",
            "description": "An RFC 9457 problem; `errors` lists the fields of a validation error.",
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string"},
                "code": {"type": "string"},
                "request_id": {"type": "string"},
                "errors": {"type": "array", "items": _ref("schemas", "ProblemFieldError")},
            },
            "required": ["type", "title", "status", "detail", "code", "request_id"],
        },
        "ProblemFieldError": {
            "type": "object",
            "properties": {
                "field": {
                    "type": "string",
                    "description": "Dotted path, `[i]` for list items, e.g. `permissions[1].grants`.",
                },
                "code": {"type": "string"},
                "message": {"type": "string"},
            },
            "required": ["field", "code", "message"],
        },
    }


def _error_response(status: int, description: str, codes: list[str]) -> dict[str, Any]:
    headers: dict[str, Any] = {"X-Request-ID": _ref("headers", "X-Request-ID")}
    if status == 401:
        headers["WWW-Authenticate"] = _ref("headers", "WWW-Authenticate")
    if status == 429:
        headers["Retry-After"] = _ref("headers", "Retry-After")
    # A plain $ref, not allOf with `status: {const: N}`: generators (openapi-python-client,
    # openapi-generator) cannot merge that and drop the response; the status is the key.
    return {
        "description": f"{description} `code`: {', '.join(f'`{c}`' for c in codes)}.",
        "headers": headers,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": _ref("schemas", "Problem")}},
    }


def _views_by_operation(generator: Any) -> dict[tuple[str, str], Any]:
    views: dict[tuple[str, str], Any] = {}
    for path, _regex, method, callback in generator.endpoints or []:
        view = generator.create_view(callback, method)
        views[generator.coerce_path(path, method, view), method.lower()] = view
    return views


def _checks_if_match(view: Any, method: str) -> bool:
    handler = getattr(view, method, None)
    code = getattr(handler, "__code__", None)
    return code is not None and "check_if_match" in code.co_names


def _base_docstrings() -> set[str]:
    from ruledesk.api import base

    classes = (base.ApiView, base.ListApiView, base.OrgScopedView, base.StrictSerializer)
    return {doc for cls in classes if (doc := inspect.getdoc(cls))}


def _error_statuses(
    method: str, operation: dict[str, Any], *, if_match: bool, view: Any = None
) -> list[int]:
    secured = bool(operation.get("security"))
    has_path_params = any(p.get("in") == "path" for p in operation.get("parameters", []))
    statuses = [400, 401]
    if secured:
        statuses.append(403)
    if has_path_params:
        statuses.append(404)
    if method in _WRITES and secured:
        statuses.append(409)
    if if_match:
        statuses.append(412)
    if "requestBody" in operation:
        statuses += [413, 415]
    if method == "post" and secured:
        statuses.append(422)
    if method in _WRITES:
        statuses.append(429)
    # A view names statuses its method answers beyond these (e.g. a public link: 409, 410).
    extra: dict[str, list[int]] = getattr(view, "error_statuses", {})
    statuses += [status for status in extra.get(method, []) if status not in statuses]
    return sorted(statuses)


def problem_responses_hook(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Document the shared conventions of api.md on every /api/v1/ operation."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(_problem_schemas())
    components["schemas"] = dict(sorted(components["schemas"].items()))
    components["headers"] = _HEADERS
    components["parameters"] = {
        "Idempotency-Key": _IDEMPOTENCY_KEY_PARAMETER,
        "If-Match": _IF_MATCH_PARAMETER,
        "X-Request-ID": _REQUEST_ID_PARAMETER,
    }
    components["responses"] = {
        name: _error_response(status, description, codes)
        for status, (name, description, codes) in _ERRORS.items()
    }
    boilerplate = _base_docstrings()
    for schema in components["schemas"].values():
        if schema.get("description") in boilerplate:
            del schema["description"]

    views = _views_by_operation(generator)
    for path, item in result.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            if operation.get("description") in boilerplate:
                del operation["description"]
            view = views.get((path, method))
            if_match = method in _WRITES and _checks_if_match(view, method)
            parameters = operation.setdefault("parameters", [])
            parameters.append(_ref("parameters", "X-Request-ID"))
            if method == "post" and isinstance(view, IdempotentMixin) and operation.get("security"):
                parameters.append(_ref("parameters", "Idempotency-Key"))
            if if_match:
                parameters.append(_ref("parameters", "If-Match"))
            responses = operation.setdefault("responses", {})
            for response in responses.values():
                if "$ref" not in response:
                    headers = response.setdefault("headers", {})
                    headers["X-Request-ID"] = _ref("headers", "X-Request-ID")
            for status in _error_statuses(method, operation, if_match=if_match, view=view):
                responses.setdefault(str(status), _ref("responses", _ERRORS[status][0]))
            operation["responses"] = dict(sorted(responses.items()))
    return result


def only_ruledesk_api(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """PREPROCESSING_HOOK: drop endpoints outside /api/ (Wagtail's admin API under /cms/)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]
