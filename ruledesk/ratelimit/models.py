from __future__ import annotations

from typing import Any, ClassVar

from django.db import models


class RateCounter(models.Model):
    """One fixed-window counter per (limit scope, identity), bumped by one atomic upsert."""

    key = models.CharField(max_length=100, primary_key=True)
    window_start = models.BigIntegerField()  # unix seconds
    count = models.PositiveIntegerField(default=0)

    class Meta:
        # Created by the API app (api.0003) before rate limits moved to the platform; the
        # table kept its name (see migrations ratelimit.0001 and api.0004).
        db_table = "api_ratecounter"
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["window_start"], name="ratecounter_window_idx")
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.count}@{self.window_start}"
