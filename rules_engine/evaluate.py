"""Evaluation of a condition tree against a snapshot: a pure function, no database.

Semantics (documented for rule authors):
- Every leaf is evaluated (no short-circuit), so the trace shows each condition.
  `matches` gives the same verdict without a trace, stopping at the first
  child that decides it (nothing is computed on a leaf but a comparison, so
  skipping leaves changes no result).
- Text comparisons on `string` fields (title, description, comment body, e-mail
  domain) and tag names are case-insensitive; `choice` values, ids and numbers
  compare exactly.
- A missing value (no category, no comment on this event, no CSAT score) is
  "empty": it equals nothing, is in no list, contains nothing and compares
  false with every number; `is_not` and `not_in` hold for it; `not_contains`
  holds too.
- `changed` holds when the event's changes name the field with different
  before and after values; `changed_to`/`changed_from` also compare the after
  or before value.
- `{"all": []}` matches everything; `{"any": []}` matches nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from rules_engine import vocabulary as v


class TraceEntry(TypedDict):
    path: str
    field: str
    operator: str
    value: Any
    actual: Any
    result: bool


@dataclass(frozen=True)
class Snapshot:
    """What a rule can see of one ticket at one event.

    `values` maps field names (`ticket.status`) to actual values; it may be a
    lazy mapping so expensive fields are computed only when a rule reads them.
    `changes` maps change keys (`status`, `assignee`) to `[before, after]`.
    """

    values: Mapping[str, Any]
    changes: Mapping[str, Sequence[Any]] = field(default_factory=dict)


class LazyValues(Mapping[str, Any]):
    """A mapping whose values are computed on first read (and then remembered)."""

    def __init__(self, getters: Mapping[str, Callable[[], Any]]) -> None:
        self._getters = getters
        self._cache: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = self._getters[key]()
            return value

    def get(self, key: str, default: Any = None) -> Any:
        # Every leaf of every rule reads through here: one call, not Mapping.get's two.
        try:
            return self._cache[key]
        except KeyError:
            if key not in self._getters:
                return default
            value = self._cache[key] = self._getters[key]()
            return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._getters)

    def computed(self) -> dict[str, Any]:
        """The values read so far (what a stored snapshot of this event needs)."""
        return dict(self._cache)

    def __len__(self) -> int:
        return len(self._getters)


def evaluate(conditions: Mapping[str, Any], snapshot: Snapshot) -> tuple[bool, list[TraceEntry]]:
    """Does the tree match the snapshot? Returns the verdict and one trace entry per leaf."""
    trace: list[TraceEntry] = []
    return _node(conditions, "conditions", snapshot, trace), trace


def _node(node: Mapping[str, Any], path: str, snapshot: Snapshot, trace: list[TraceEntry]) -> bool:
    if "all" in node:
        results = [
            _node(child, f"{path}.all[{i}]", snapshot, trace) for i, child in enumerate(node["all"])
        ]
        return all(results)
    if "any" in node:
        results = [
            _node(child, f"{path}.any[{i}]", snapshot, trace) for i, child in enumerate(node["any"])
        ]
        return any(results)
    if "not" in node:
        return not _node(node["not"], f"{path}.not", snapshot, trace)
    return _leaf(node, path, snapshot, trace)


def matches(node: Mapping[str, Any], snapshot: Snapshot) -> bool:
    """`evaluate(node, snapshot)[0]`, without building the trace, short-circuiting."""
    if "all" in node:
        return all(matches(child, snapshot) for child in node["all"])
    if "any" in node:
        return any(matches(child, snapshot) for child in node["any"])
    if "not" in node:
        return not matches(node["not"], snapshot)
    return _leaf_check(node, snapshot)[1]


Matcher = Callable[[Snapshot], bool]


def matcher(node: Mapping[str, Any]) -> Matcher:
    """`matches` with the tree's own work done once: `matcher(node)(snapshot)` gives
    `matches(node, snapshot)` for every snapshot.

    A worker decides every active rule of an event type on each event (1,000 of them
    in the benchmark) from one parse of the rules, so the field specs, operator
    functions and normalized values are looked up once per rule, not once per event.
    A tree `matches` would fail on raises here already (the engine then uses
    `matches`, which fails the same way on every event).
    """
    if "all" in node:
        children = [matcher(child) for child in node["all"]]

        def all_of(snapshot: Snapshot) -> bool:
            # A loop, not all(<generator>): 3x faster for a few children, ~1,000 per event.
            for child in children:  # noqa: SIM110
                if not child(snapshot):
                    return False
            return True

        return all_of
    if "any" in node:
        options = [matcher(child) for child in node["any"]]

        def any_of(snapshot: Snapshot) -> bool:
            for option in options:  # noqa: SIM110 - as above
                if option(snapshot):
                    return True
            return False

        return any_of
    if "not" in node:
        negated = matcher(node["not"])
        return lambda snapshot: not negated(snapshot)
    return _leaf_matcher(node)


def _leaf_matcher(node: Mapping[str, Any]) -> Matcher:
    """`_leaf_check(node, snapshot)[1]`, its branches taken once."""
    name: str = node["field"]
    operator: str = node["operator"]
    value = node.get("value")
    spec = v.FIELDS[name]
    kind = spec.type
    if operator in v.CHANGE_OPERATORS:
        key = spec.change_key

        def changed(snapshot: Snapshot) -> bool:
            change = snapshot.changes.get(key) if key else None
            return _changed(operator, kind, change, value)

        return changed
    if operator == "is_empty":
        return lambda snapshot: _is_empty(snapshot.values.get(name))
    if operator == "is_not_empty":
        return lambda snapshot: not _is_empty(snapshot.values.get(name))
    if kind == "tags":
        wanted = _norm("string", value)
        contains = operator == "contains"

        def tagged(snapshot: Snapshot) -> bool:
            names = {_norm("string", tag) for tag in snapshot.values.get(name) or ()}
            found = wanted in names
            return found if contains else not found

        return tagged
    expected = _norm_value(kind, value)
    if operator in _POSITIVE:
        test = _POSITIVE[operator]

        def holds(snapshot: Snapshot) -> bool:
            actual = snapshot.values.get(name)
            return not _is_empty(actual) and test(_norm(kind, actual), expected)

        return holds
    negated_test = _POSITIVE[_NEGATIONS[operator]]

    def holds_not(snapshot: Snapshot) -> bool:
        actual = snapshot.values.get(name)
        return _is_empty(actual) or not negated_test(_norm(kind, actual), expected)

    return holds_not


def _leaf_check(node: Mapping[str, Any], snapshot: Snapshot) -> tuple[Any, bool]:
    """A leaf's actual value (as the trace shows it) and its result."""
    name: str = node["field"]
    operator: str = node["operator"]
    value = node.get("value")
    spec = v.FIELDS[name]
    if operator in v.CHANGE_OPERATORS:
        change = snapshot.changes.get(spec.change_key) if spec.change_key else None
        actual: Any = list(change) if change is not None else None
        return actual, _changed(operator, spec.type, change, value)
    actual = snapshot.values.get(name)
    return actual, _compare(operator, spec.type, actual, value)


def _leaf(node: Mapping[str, Any], path: str, snapshot: Snapshot, trace: list[TraceEntry]) -> bool:
    name: str = node["field"]
    operator: str = node["operator"]
    value = node.get("value")
    actual, result = _leaf_check(node, snapshot)
    trace.append(
        {
            "path": path,
            "field": name,
            "operator": operator,
            "value": value,
            "actual": actual,
            "result": result,
        }
    )
    return result


def _changed(operator: str, kind: str, change: Sequence[Any] | None, value: Any) -> bool:
    if change is None or len(change) != 2:
        return False
    before, after = change
    if _norm(kind, before) == _norm(kind, after):
        return False
    if operator == "changed":
        return True
    side = after if operator == "changed_to" else before
    return bool(_norm(kind, side) == _norm(kind, value))


def _compare(operator: str, kind: str, actual: Any, value: Any) -> bool:
    if operator == "is_empty":
        return _is_empty(actual)
    if operator == "is_not_empty":
        return not _is_empty(actual)
    if kind == "tags":
        names = {_norm("string", tag) for tag in actual or ()}
        found = _norm("string", value) in names
        return found if operator == "contains" else not found
    if operator in _POSITIVE:
        if _is_empty(actual):
            return False
        return _POSITIVE[operator](_norm(kind, actual), _norm_value(kind, value))
    positive = _NEGATIONS[operator]
    if _is_empty(actual):
        return True
    return not _POSITIVE[positive](_norm(kind, actual), _norm_value(kind, value))


def _ordered(compare: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, value: Any) -> bool:
        try:
            return compare(float(actual), float(value))
        except (TypeError, ValueError):
            return False

    return check


def _text(test: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, value: Any) -> bool:
        return isinstance(actual, str) and isinstance(value, str) and test(actual, value)

    return check


_POSITIVE: dict[str, Callable[[Any, Any], bool]] = {
    "is": lambda actual, value: bool(actual == value),
    "in": lambda actual, value: actual in value,
    "contains": _text(lambda actual, value: value in actual),
    "starts_with": _text(lambda actual, value: actual.startswith(value)),
    "ends_with": _text(lambda actual, value: actual.endswith(value)),
    "gt": _ordered(lambda a, b: a > b),
    "gte": _ordered(lambda a, b: a >= b),
    "lt": _ordered(lambda a, b: a < b),
    "lte": _ordered(lambda a, b: a <= b),
}
_NEGATIONS = {"is_not": "is", "not_in": "in", "not_contains": "contains"}


def _is_empty(actual: Any) -> bool:
    if actual is None:
        return True
    if isinstance(actual, str):
        return not actual.strip()
    if isinstance(actual, list | tuple | set | frozenset):
        return not actual
    return False


def _norm(kind: str, item: Any) -> Any:
    if kind in ("string", "tags") and isinstance(item, str):
        return item.casefold()
    if kind == "number" and isinstance(item, int | float) and not isinstance(item, bool):
        return float(item)
    return item


def _norm_value(kind: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_norm(kind, item) for item in value]
    return _norm(kind, value)
