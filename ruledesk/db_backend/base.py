"""PostgreSQL backend that points at the embedded server, starting it when needed.

Starting lazily (at the first connection, not at settings import) keeps lint,
type checks and `manage.py help` free of a database process.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from ruledesk import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        options = dict(self.settings_dict.get("OPTIONS") or {})
        data_dir = options.pop("data_dir")
        socket_dir = embedded_db.ensure_server(data_dir)
        saved = self.settings_dict["OPTIONS"]
        self.settings_dict["OPTIONS"] = options
        try:
            params = super().get_connection_params()
        finally:
            self.settings_dict["OPTIONS"] = saved
        params["host"] = socket_dir
        params["user"] = self.settings_dict.get("USER") or "postgres"
        embedded_db.ensure_database(socket_dir, params.get("dbname") or "postgres")
        return params
