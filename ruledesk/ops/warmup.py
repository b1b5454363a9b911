"""Work the worker command does once, before django-q2 forks its worker processes.

Apps declare a warm-up in `AppConfig.ready()` (the rules engine parses every
organization's active rules); the forked workers start with what it loaded
instead of paying for it on their first task. Database connections are closed
afterwards: a forked child must never share its parent's socket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import connections

logger = logging.getLogger(__name__)

_hooks: dict[str, Callable[[], object]] = {}


def register(name: str, func: Callable[[], object]) -> None:
    _hooks[name] = func


def warm_up() -> list[str]:
    """Run every declared warm-up (a failing one is logged, never fatal); their names."""
    done: list[str] = []
    for name, func in sorted(_hooks.items()):
        try:
            func()
        except Exception:
            logger.exception("warm-up %s failed; its caches fill on first use instead", name)
            continue
        done.append(name)
    connections.close_all()
    return done
