"""Consumers of domain events, registered explicitly at app start-up.

A consumer is a callable taking the event; it must be idempotent on the event
id because delivery is at least once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ruledesk.events.models import DomainEvent

Consumer = Callable[["DomainEvent"], None]

_consumers: dict[str, Consumer] = {}


def register(name: str, consumer: Consumer) -> None:
    """Register `consumer` under a unique name (re-registering the same name replaces it)."""
    _consumers[name] = consumer


def unregister(name: str) -> None:
    _consumers.pop(name, None)


def consumers() -> list[tuple[str, Consumer]]:
    return list(_consumers.items())
