"""A sandboxed Django template engine for organization-authored notification templates.

What a template can reach is exactly the context the caller builds, and nothing else:

- The engine has no loaders and none of Django's default libraries. Its only
  builtin library is `register` below, which re-exports a small set of tags
  (`if`, `for`, `with`, `comment`) and side-effect-free filters. `load`,
  `include`, `extends`, `block`, `debug`, `url`, `csrf_token`, `now`, `lorem`,
  `autoescape`, `filter`, `cycle`, `firstof`, `widthratio`, `templatetag`,
  `spaceless`, `querystring` and the `safe`/`safeseq`/`pprint`/padding filters are
  unknown, so using them is a TemplateSyntaxError (rejected at save with 400).
- Django itself refuses variables and attributes starting with `_`
  (`{{ ticket.__class__ }}` does not compile).
- The context is copied through a JSON round trip into dicts and lists that expose
  no public attribute other than `items`/`keys`/`values` on dicts, so no model
  object, callable or mutating method (`dict.clear`, `list.pop`) is reachable.
- Missing values render as "" (`string_if_invalid`), `{{ settings.SECRET_KEY }}`
  included: `settings` is just an unknown name. JSON nulls become "" too, so
  `default` (not `default_if_none`) supplies a fallback.
- Rendering is bounded: at most `MAX_LOOP_ITERATIONS` loop iterations in total and
  `MAX_OUTPUT_CHARS` characters of output; past either, `RenderLimitExceeded`.
"""

from __future__ import annotations

import contextvars
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from django.template import (
    Context,
    Engine,
    Library,
    Node,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import Template, TextNode, VariableNode
from django.template.defaulttags import ForNode
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

MAX_LOOP_ITERATIONS = 2000
MAX_OUTPUT_CHARS = 200_000

ALLOWED_TAGS: tuple[str, ...] = ("if", "for", "with", "comment")
ALLOWED_FILTERS: tuple[str, ...] = (
    "default",
    "default_if_none",
    "upper",
    "lower",
    "title",
    "capfirst",
    "truncatechars",
    "truncatewords",
    "length",
    "join",
    "first",
    "last",
    "yesno",
    "pluralize",
    "wordcount",
    "urlencode",
)

register = Library()
for _name in ALLOWED_TAGS:
    register.tag(_name, defaulttags.register.tags[_name])
for _name in ALLOWED_FILTERS:
    _func = defaultfilters.register.filters[_name]
    register.filter(
        _name,
        _func,
        is_safe=getattr(_func, "is_safe", False),
        needs_autoescape=getattr(_func, "needs_autoescape", False),
    )


@register.filter(name="date", is_safe=False)
def date_filter(value: Any, arg: str | None = None) -> str:
    """Django's `date`, also for ISO 8601 strings (the context is JSON), in the active time zone."""
    if isinstance(value, str):
        try:
            value = parse_datetime(value)
        except ValueError:
            return ""
        if value is None:
            return ""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_fixed_timezone(0))
        value = timezone.localtime(value)
    elif not isinstance(value, date):
        return ""
    return str(defaultfilters.date(value, arg))


@register.filter(name="linebreaksbr", is_safe=True, needs_autoescape=True)
def linebreaksbr_filter(value: Any, autoescape: bool = True) -> str:
    """`<br>` for line breaks in HTML e-mail; the text unchanged in plain text."""
    if not autoescape:
        return str(value)
    return str(defaultfilters.linebreaksbr(value, autoescape=True))


class RenderLimitExceeded(Exception):
    """A template looped or produced output past the sandbox's bounds."""


@dataclass
class _Budget:
    iterations: int = 0
    chars: int = 0


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "notification_render_budget", default=None
)


def _charge(chars: int = 0, iterations: int = 0) -> None:
    budget = _budget.get()
    if budget is None:
        return
    budget.chars += chars
    budget.iterations += iterations
    if budget.iterations > MAX_LOOP_ITERATIONS:
        raise RenderLimitExceeded(f"more than {MAX_LOOP_ITERATIONS} loop iterations")
    if budget.chars > MAX_OUTPUT_CHARS:
        raise RenderLimitExceeded(f"more than {MAX_OUTPUT_CHARS} characters of output")


class _LoopCounter(Node):
    """Inserted first in every `for` body: charges one iteration per pass."""

    def render(self, context: Context) -> str:
        _charge(iterations=1)
        return ""


class _BudgetTextNode(TextNode):
    def render(self, context: Context) -> str:
        out: str = super().render(context)
        _charge(chars=len(out))
        return out


class _BudgetVariableNode(VariableNode):
    def render(self, context: Context) -> str:
        out: str = super().render(context)
        _charge(chars=len(out))
        return out


class _SandboxEngine(Engine):
    default_builtins: ClassVar[list[str]] = ["ruledesk.notifications.sandbox"]


@functools.cache
def _engine(autoescape: bool) -> Engine:
    return _SandboxEngine(
        loaders=[], libraries={}, debug=False, string_if_invalid="", autoescape=autoescape
    )


@functools.lru_cache(maxsize=512)
def compile_template(source: str, *, autoescape: bool) -> Template:
    """Compile in the sandbox; TemplateSyntaxError for unknown tags/filters or bad syntax."""
    template = _engine(autoescape).from_string(source)
    for loop in template.nodelist.get_nodes_by_type(ForNode):
        body: list[Node] = loop.nodelist_loop  # type: ignore[attr-defined]
        body.insert(0, _LoopCounter())
    for text in template.nodelist.get_nodes_by_type(TextNode):
        text.__class__ = _BudgetTextNode
    for variable in template.nodelist.get_nodes_by_type(VariableNode):
        variable.__class__ = _BudgetVariableNode
    return template


class SandboxDict(dict[str, Any]):
    """A dict whose only template-reachable attributes are the read-only views."""

    _PUBLIC = frozenset({"items", "keys", "values"})

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("_") or name in SandboxDict._PUBLIC:
            return super().__getattribute__(name)
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return sorted(SandboxDict._PUBLIC)


class SandboxList(list[Any]):
    """A list with no template-reachable attribute (indexing and iteration still work)."""

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("_"):
            return super().__getattribute__(name)
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return []


def _freeze(value: Any) -> Any:
    if value is None:  # JSON null renders as nothing, not "None"
        return ""
    if isinstance(value, dict):
        return SandboxDict((str(k), _freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return SandboxList(_freeze(v) for v in value)
    return value


def plain_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context as pure JSON data (datetimes become ISO strings; objects are refused)."""
    return json.loads(json.dumps(dict(context), default=_json_default))  # type: ignore[no-any-return]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not allowed in a notification context")


def render(source: str, context: Mapping[str, Any], *, autoescape: bool) -> str:
    """Render `source` in the sandbox over a JSON copy of `context`.

    Raises TemplateSyntaxError (bad template) or RenderLimitExceeded (too much work).
    """
    template = compile_template(source, autoescape=autoescape)
    data = _freeze(plain_context(context))
    token = _budget.set(_Budget())
    try:
        return str(template.render(Context(data, autoescape=autoescape)))
    finally:
        _budget.reset(token)


def check(source: str, sample: Mapping[str, Any]) -> str | None:
    """Why `source` cannot be used as a template (None when it can)."""
    try:
        for autoescape in (False, True):
            render(source, sample, autoescape=autoescape)
    except TemplateSyntaxError as exc:
        return _("Template syntax error: %(error)s") % {"error": exc}
    except RenderLimitExceeded as exc:
        return _("The template does too much work when rendered: %(error)s.") % {"error": exc}
    except Exception as exc:  # a filter choking on sample data, recursion, ...
        return _("The template cannot be rendered: %(error)s.") % {"error": type(exc).__name__}
    return None
