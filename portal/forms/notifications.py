"""Filters of the notification center, parsed from the query string."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from ruledesk.notifications.models import Kind


class FeedFilterForm(forms.Form):
    STATES = (("all", _("All")), ("unread", _("Unread")), ("read", _("Read")))

    state = forms.ChoiceField(label=_("Show"), choices=STATES, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *Kind.choices], required=False
    )
    cursor = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def unread(self) -> bool | None:
        return {"unread": True, "read": False}.get(self.cleaned_data.get("state") or "all")

    def query_with(self, **changes: Any) -> str:
        """This filter's query string with `changes` applied (empty values dropped)."""
        values = {"state": self.cleaned_data.get("state"), "kind": self.cleaned_data.get("kind")}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})
