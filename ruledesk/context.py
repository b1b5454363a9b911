"""Per-request context (request id, user id, client IP) for logs and audit rows.

Held in a contextvar so the logging filter and services can read it without
passing the request around.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    user_id: int | None = None
    client_ip: str | None = None
    # Per-request memo (e.g. permission grants); None outside a request, so
    # long-running workers never serve stale values from it.
    memo: dict[str, object] | None = None


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "ruledesk_request_context",
    default=RequestContext(),  # noqa: B039 - immutable default
)


def current() -> RequestContext:
    return _current.get()


def bind(**values: object) -> contextvars.Token[RequestContext]:
    return _current.set(replace(_current.get(), **values))  # type: ignore[arg-type]


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
