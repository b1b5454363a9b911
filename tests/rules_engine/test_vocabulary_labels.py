"""Every word of the rules vocabulary has a translatable label for people."""

from __future__ import annotations

import pytest
from django.utils.functional import Promise
from django.utils.translation import override

from rules_engine import vocabulary as v
from rules_engine.actions import HANDLERS


def _labels() -> list[tuple[str, object]]:
    return [
        *((f"event {name}", v.EVENT_LABELS.get(name)) for name in v.EVENTS),
        *((f"operator {name}", v.OPERATOR_LABELS.get(name)) for name in v.OPERATORS),
        *((f"field {f.name}", f.label) for f in v.FIELDS.values()),
        *((f"action {a.type}", a.label) for a in v.ACTIONS.values()),
    ]


def test_every_event_operator_field_and_action_has_a_lazy_label() -> None:
    missing = [
        word for word, label in _labels() if not isinstance(label, Promise) or not str(label)
    ]
    assert missing == []
    assert len(_labels()) == len(v.EVENTS) + len(v.OPERATORS) + len(v.FIELDS) + len(v.ACTIONS)


def test_labels_name_nothing_outside_the_vocabulary() -> None:
    assert list(v.EVENT_LABELS) == list(v.EVENTS)
    assert list(v.OPERATOR_LABELS) == list(v.OPERATORS)


def test_the_action_registry_and_the_vocabulary_name_the_same_actions() -> None:
    assert sorted(HANDLERS) == sorted(v.ACTIONS)


@pytest.mark.parametrize(
    ("label", "english"),
    [
        (v.event_label("comment.created"), "Comment added"),
        (v.operator_label("not_in"), "is none of"),
        (v.FIELDS["ticket.assignee"].label, "Assignee"),
        (v.ACTIONS["notify"].label, "Send a notification"),
    ],
)
def test_labels_render_in_the_active_language(label: Promise, english: str) -> None:
    with override("en"):
        assert str(label) == english


def test_labels_are_distinct_within_each_kind() -> None:
    for labels in (
        [str(label) for label in v.EVENT_LABELS.values()],
        [str(label) for label in v.OPERATOR_LABELS.values()],
        [str(f.label) for f in v.FIELDS.values()],
        [str(a.label) for a in v.ACTIONS.values()],
    ):
        assert len(labels) == len(set(labels))
