"""The experiment ledger in Redis: every process and node counts into the same counters.

With ``lotse serve --store redis://…`` the ledger lives next to the sessions,
so `lotse report --store redis://…` and the dashboard read the whole
deployment's counts, not one node's. Keys (`prefix` is
`Settings.store_prefix`, ``lotse:`` by default):

- ``{prefix}ledger:{site}:counts`` — a hash: the field is a JSON array
  ``[experiment, arm, visitor type, kind, goal]`` ("" for no visitor type or
  goal), the value its count. Written with HINCRBY, so nodes add up atomically
  and never overwrite each other.
- ``{prefix}ledger:{site}:started`` — a hash: experiment -> when its first
  record was written (HSETNX: the first node's time stays).
- ``{prefix}ledger:batch:{id}`` — marks a written batch for a day (below).

The counters never expire: they are the experiments' results (keep Redis's
persistence on, see docs/operations.md).

The writer is the SQLite ledger's (`ledger.QueuedLedger`): `add` never blocks,
one thread writes batches of about a second, each in one MULTI/EXEC
transaction. A batch that cannot be written because Redis is unreachable is
kept and added to the next — counts per counter, so memory is bounded by the
site's configuration, not by traffic — and tried again every few seconds until
Redis answers; only a process that ends meanwhile loses it. Because a
transaction whose answer was lost may or may not have run, each carries a
marker key, and the retry first asks whether it exists: a batch is counted
exactly once.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable

import orjson
import redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from .ledger import Key, QueuedLedger, Row
from .redis_store import store_error

log = logging.getLogger("lotse.ledger")

#: How long a batch's marker is kept (a retry comes within seconds; a day is plenty).
_MARKER_SECONDS = 86400
#: Longest wait between two tries of a batch Redis did not take (seconds).
_MAX_BACKOFF = 10.0


def connect_sync(url: str, timeout: float = 5.0) -> redis.Redis:
    """A blocking Redis client (for the writer thread and readers) that fails fast."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


def counts_key(prefix: str, site_id: str) -> str:
    return f"{prefix}ledger:{site_id}:counts"


def started_key(prefix: str, site_id: str) -> str:
    return f"{prefix}ledger:{site_id}:started"


class RedisLedgerReader:
    """The Redis ledger's counters for reading (``lotse report --store``, the dashboard)."""

    def __init__(self, url: str, *, prefix: str = "lotse:", timeout: float = 5.0) -> None:
        self.url = url
        self.prefix = prefix
        self.timeout = timeout
        self.client = connect_sync(url, timeout)

    def rows(self, site_id: str) -> list[Row]:
        """Every counter of one site, in the SQLite ledger's order (blocking)."""
        try:
            found = self.client.hgetall(counts_key(self.prefix, site_id))
        except (RedisError, OSError) as exc:
            raise store_error(exc, self.url, self.timeout) from exc
        rows = []
        for field, n in found.items():
            try:
                experiment, arm, visitor_type, kind, goal = orjson.loads(field)
            except (orjson.JSONDecodeError, ValueError, TypeError):
                continue  # not a counter of ours
            rows.append(Row(experiment, arm, visitor_type or None, kind, goal or None, int(n)))
        return sorted(
            rows, key=lambda r: (r.experiment, r.arm, r.visitor_type or "", r.kind, r.goal or "")
        )

    def started(self, site_id: str) -> dict[str, float]:
        """When each experiment of one site got its first record (blocking)."""
        try:
            found = self.client.hgetall(started_key(self.prefix, site_id))
        except (RedisError, OSError) as exc:
            raise store_error(exc, self.url, self.timeout) from exc
        return {_text(experiment): float(when) for experiment, when in found.items()}

    def close(self, timeout: float = 10.0) -> None:
        self.client.close()


class RedisLedger(QueuedLedger, RedisLedgerReader):
    """Counts experiment records in Redis, atomically across nodes, from a background thread."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "lotse:",
        timeout: float = 5.0,
        max_pending: int = 100_000,
        on_drop: Callable[[int], None] | None = None,
        on_write_failure: Callable[[], None] | None = None,
        batch_seconds: float = 1.0,
    ) -> None:
        QueuedLedger.__init__(
            self,
            max_pending=max_pending,
            on_drop=on_drop,
            on_write_failure=on_write_failure,
            batch_seconds=batch_seconds,
            name="lotse-ledger-redis",
        )
        RedisLedgerReader.__init__(self, url, prefix=prefix, timeout=timeout)
        #: Counts not yet written (a batch Redis did not take, plus what came since).
        self._owing: Counter[Key] = Counter()
        #: The last batch sent without an answer: its marker key and its counts.
        self._unanswered: tuple[str, Counter[Key]] | None = None
        self._backoff = 1.0
        self._start()

    def _owed(self) -> bool:
        return bool(self._owing)

    def _retry_after(self) -> float | None:
        return self._backoff if self._owing else None

    def _write(self, batch: Counter[Key]) -> None:
        self._owing.update(batch)
        try:
            if self._unanswered is not None:
                marker, sent = self._unanswered
                if self.client.exists(marker):  # it did count: only what came since is owed
                    self._owing.subtract(sent)
                    self._owing = +self._owing
                self._unanswered = None
            if not self._owing:
                return
            sent = Counter(self._owing)
            marker = f"{self.prefix}ledger:batch:{secrets.token_hex(8)}"
            self._unanswered = (marker, sent)
            self._transaction(marker, sent)
            self._unanswered = None
            self._owing.clear()
            self._backoff = 1.0
        except (RedisError, OSError) as exc:
            self._backoff = min(self._backoff * 2, _MAX_BACKOFF)
            log.error(
                "ledger_write_failed",
                extra={
                    "records": sum(self._owing.values()),
                    "error": store_error(exc, self.url, self.timeout).problem,
                    "kept": "written once Redis answers",
                },
            )
            self._failed()

    def _transaction(self, marker: str, sent: Counter[Key]) -> None:
        now = repr(time.time())
        with self.client.pipeline(transaction=True) as pipe:
            pipe.set(marker, 1, ex=_MARKER_SECONDS)
            for (site, experiment, arm, visitor_type, kind, goal), n in sent.items():
                field = orjson.dumps([experiment, arm, visitor_type, kind, goal])
                pipe.hincrby(counts_key(self.prefix, site), field, n)
            for site, experiment in sorted({(key[0], key[1]) for key in sent}):
                pipe.hsetnx(started_key(self.prefix, site), experiment, now)
            pipe.execute()

    def _finish(self) -> None:
        if self._owing:
            log.error(
                "ledger_unwritten_at_shutdown",
                extra={"records": sum(self._owing.values()), "error": "Redis did not answer"},
            )

    def close(self, timeout: float = 10.0) -> None:
        QueuedLedger.close(self, timeout)
        RedisLedgerReader.close(self)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
