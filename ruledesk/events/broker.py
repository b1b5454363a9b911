"""django-q2's ORM broker, woken by PostgreSQL NOTIFY instead of polling.

django-q2's ORM broker sleeps `poll` seconds whenever it finds the queue empty,
so an event committed on an idle queue waits up to that long before any work
starts: half of the whole dispatch budget at 100 ms. Here every INSERT into
`django_q_ormq` fires a statement-level trigger (migration
`events.0003_queue_notify`) that NOTIFYs `QUEUE_CHANNEL`; PostgreSQL delivers it
when the inserting transaction commits, never before, so a woken pusher always
finds the rows. The pusher LISTENs on a connection of its own and waits for a
notification for at most `poll` seconds, which remains as the safety net (a
task whose lock expired for a retry sends no notification, nor does a lost
listening connection).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ

logger = logging.getLogger(__name__)

QUEUE_CHANNEL = "ruledesk_queue"


class NotifiedORM(ORM):  # type: ignore[misc]  # django-q2 ships no types
    """The ORM broker; `dequeue` on an empty queue waits for a NOTIFY, not a fixed sleep."""

    def __init__(self, list_key: str | None = None) -> None:
        super().__init__(list_key)
        self._listener: Any = None

    def dequeue(self) -> list[tuple[int, Any]] | None:
        # LISTEN before looking: a task committed between the look and the wait then
        # still wakes us, its notification waiting on the listening connection.
        listener = self._listen()
        claimed = self._claim()
        if claimed:
            return claimed
        self._wait(listener)
        # After a wait, the connection may have sat idle past CONN_MAX_AGE or been dropped.
        connections[Conf.ORM].close_if_unusable_or_obsolete()
        return None

    def _claim(self) -> list[tuple[int, Any]]:
        """Lock up to BULK due tasks, oldest first, in one statement.

        django-q2's version reads the due tasks, then updates each one's lock with a
        conditional UPDATE, every query behind `close_old_connections()` and with it a
        health-check round trip: 3 ms of the dispatch budget per task on the 2-core
        bench. SKIP LOCKED keeps clusters sharing the queue from claiming the same row;
        the lock expiry is django-q2's (`now + retry`), after which a task whose worker
        died is claimed again.
        """
        now = timezone.now()
        for attempt in (1, 2):
            try:
                with connections[Conf.ORM].cursor() as cursor:
                    cursor.execute(
                        self._CLAIM,
                        [now + timedelta(seconds=Conf.RETRY), self.list_key, now, Conf.BULK],
                    )
                    return sorted(cursor.fetchall())
            except (InterfaceError, OperationalError):
                # A connection the server dropped while we waited: one fresh try.
                connections[Conf.ORM].close()
                if attempt == 2:
                    raise
        return []

    _CLAIM = (
        f"UPDATE {OrmQ._meta.db_table} SET lock = %s WHERE id IN ("  # noqa: S608 - model table
        f"SELECT id FROM {OrmQ._meta.db_table} WHERE key = %s AND lock < %s"
        " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id, payload"
    )

    def acknowledge(self, task_id: int) -> None:
        """Delete a finished task: one statement, no health check (the monitor's hot path)."""
        for attempt in (1, 2):
            try:
                with connections[Conf.ORM].cursor() as cursor:
                    cursor.execute(
                        f"DELETE FROM {OrmQ._meta.db_table} WHERE id = %s",  # noqa: S608
                        [task_id],
                    )
                return
            except (InterfaceError, OperationalError):
                connections[Conf.ORM].close()
                if attempt == 2:
                    raise

    def _listen(self) -> Any:
        if self._listener is not None and not self._listener.closed:
            return self._listener
        self._listener = None
        try:
            wrapper = connections[Conf.ORM]
            raw = wrapper.get_new_connection(wrapper.get_connection_params())
            raw.autocommit = True
            raw.execute(f"LISTEN {QUEUE_CHANNEL}")
        except Exception:
            logger.exception("cannot LISTEN for queued tasks; polling instead")
            return None
        self._listener = raw
        return raw

    def _wait(self, listener: Any) -> None:
        """Until a task is queued (a notification) or `poll` seconds have passed."""
        if listener is None:
            time.sleep(Conf.POLL)
            return
        try:
            for _notification in listener.notifies(timeout=Conf.POLL, stop_after=1):
                pass
        except Exception:
            logger.warning("the LISTEN connection failed; reconnecting on the next wait")
            self._close_listener()
            time.sleep(Conf.POLL)

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.close()
            except Exception:  # already broken: nothing left to release
                logger.debug("closing a broken LISTEN connection failed", exc_info=True)
