"""Serializer fields whose JSON input is as strict as api.md says."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import fields


class BooleanField(fields.BooleanField):  # noqa: TID251 - the one place that wraps it
    """A JSON boolean: `true` or `false` only (DRF also takes "yes", "on", "1", 1...).

    Every serializer uses this one; ruff's banned-api rule (TID251) refuses DRF's.
    """

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data: Any) -> bool:
        # null never gets here: Field.validate_empty_values answers it (allow_null or "null").
        if data is not True and data is not False:
            self.fail("invalid")
        return bool(data)
