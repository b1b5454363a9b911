"""The public satisfaction survey form: a score from 1 to 5 and an optional comment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

COMMENT_MAX = 2000
SCORES = (
    (5, _("5 — Very satisfied")),
    (4, _("4 — Satisfied")),
    (3, _("3 — Neither satisfied nor dissatisfied")),
    (2, _("2 — Dissatisfied")),
    (1, _("1 — Very dissatisfied")),
)


class CsatForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with the help you got?"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a score from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Anything you would like to add? (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
