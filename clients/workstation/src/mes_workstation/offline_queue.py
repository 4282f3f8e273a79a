"""The station's outbox: every start and completion goes through it, in order.

SQLite in WAL mode at `<work>/.mes/queue.sqlite3`, so it survives a crash or a restart.
An item is `queued` until the MES answers: `done` (recorded, or already recorded) or
`failed` (refused, with the answer). While the MES cannot be reached the head item waits
with exponential backoff and everything behind it waits too: a completion never
overtakes the start it belongs to. Replaying is idempotent on the server side (a start
answered DUPLICATE_START after an earlier unanswered try, a completion answered
`already_recorded`), so an item sent twice after a lost answer is harmless.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('start', 'complete')),
    key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    file_name TEXT,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    answer TEXT,
    finalized INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_state ON items (state, id);
"""


@dataclass(frozen=True)
class QueueItem:
    id: int
    kind: str
    key: str
    body: str
    file_name: str | None
    state: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    answer: dict[str, Any] | None
    finalized: bool

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


def _item(row: sqlite3.Row) -> QueueItem:
    answer = json.loads(row["answer"]) if row["answer"] else None
    return QueueItem(
        row["id"],
        row["kind"],
        row["key"],
        row["body"],
        row["file_name"],
        row["state"],
        row["attempts"],
        row["next_attempt_at"],
        row["last_error"],
        answer,
        bool(row["finalized"]),
    )


class OfflineQueue:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a queued completion must survive
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> QueueItem | None:
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return _item(row) if row else None

    def enqueue(self, kind: str, key: str, body: str, file_name: str | None = None) -> QueueItem:
        """Add an item; the same key again returns the existing item (idempotent)."""
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO items (kind, key, body, file_name, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (kind, key, body, file_name, now, now),
            )
        item = self._one("SELECT * FROM items WHERE key = ?", (key,))
        assert item is not None
        return item

    def get(self, item_id: int) -> QueueItem | None:
        return self._one("SELECT * FROM items WHERE id = ?", (item_id,))

    def head(self) -> QueueItem | None:
        """The oldest item still waiting for the MES."""
        return self._one("SELECT * FROM items WHERE state = 'queued' ORDER BY id LIMIT 1")

    def _update(self, item_id: int, sql: str, args: tuple[Any, ...]) -> None:
        with self._lock:
            self._db.execute(
                f"UPDATE items SET {sql}, updated_at = ? WHERE id = ?",  # noqa: S608 - fixed SQL
                (*args, time.time(), item_id),
            )

    def mark_done(self, item_id: int, answer: dict[str, Any]) -> None:
        self._update(
            item_id,
            "state = 'done', attempts = attempts + 1, answer = ?, last_error = NULL",
            (json.dumps(answer, ensure_ascii=False),),
        )

    def mark_failed(self, item_id: int, answer: dict[str, Any], reason: str) -> None:
        self._update(
            item_id,
            "state = 'failed', attempts = attempts + 1, answer = ?, last_error = ?",
            (json.dumps(answer, ensure_ascii=False), reason),
        )

    def defer(self, item_id: int, reason: str, delay: float) -> None:
        """The MES could not be reached: try this item again after `delay` seconds."""
        self._update(
            item_id,
            "attempts = attempts + 1, last_error = ?, next_attempt_at = ?",
            (reason, time.time() + delay),
        )

    def retry_now(self) -> None:
        """Forget the backoff of waiting items (the MES is known to be back)."""
        with self._lock:
            self._db.execute("UPDATE items SET next_attempt_at = 0 WHERE state = 'queued'")

    def mark_finalized(self, item_id: int) -> None:
        """The item's file reached completed/ or error/ (or it had none)."""
        self._update(item_id, "finalized = 1", ())

    def unfinalized(self) -> list[QueueItem]:
        """Answered items whose file move did not happen yet (e.g. a crash in between)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM items WHERE state != 'queued' AND finalized = 0 ORDER BY id"
            ).fetchall()
        return [_item(r) for r in rows]

    def waiting_files(self) -> set[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT file_name FROM items WHERE file_name IS NOT NULL AND finalized = 0"
            ).fetchall()
        return {r["file_name"] for r in rows}

    def count(self, state: str = "queued") -> int:
        with self._lock:
            return self._db.execute(
                "SELECT count(*) FROM items WHERE state = ?", (state,)
            ).fetchone()[0]

    def recent(self, limit: int = 50) -> list[QueueItem]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM items ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_item(r) for r in rows]
