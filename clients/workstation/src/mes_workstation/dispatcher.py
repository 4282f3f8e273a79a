"""Sends the offline queue to the MES, oldest first, from one background thread.

Online, an item is sent the moment it is queued. When the gateway cannot be reached the
head item is retried with exponential backoff (base × 2^attempts, capped) and nothing
overtakes it. After the MES answered (recorded or refused), `finalize` moves the item's
file; a finalize that failed (a file held open on Windows) is retried on later rounds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .api_client import ApiError, NotSignedInError, OfflineError
from .events import QueueStatus
from .offline_queue import OfflineQueue, QueueItem

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        queue: OfflineQueue,
        send: Callable[[QueueItem], dict[str, Any]],
        finalize: Callable[[QueueItem], None],
        *,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        on_status: Callable[[QueueStatus], None] = lambda _: None,
    ) -> None:
        self.queue = queue
        self.send, self.finalize = send, finalize
        self.base_delay, self.max_delay = base_delay, max_delay
        self.on_status = on_status
        self.online = True
        self.needs_login = False
        self.last_error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def backoff(self, attempts: int) -> float:
        return min(self.base_delay * 2 ** max(attempts - 1, 0), self.max_delay)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mes-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self, *, retry_now: bool = False) -> None:
        if retry_now:
            self.queue.retry_now()
        self._wake.set()

    def status(self, retry_in: float | None = None) -> QueueStatus:
        return QueueStatus(
            online=self.online,
            waiting=self.queue.count("queued"),
            failed=self.queue.count("failed"),
            retry_in=retry_in,
            last_error=self.last_error,
            needs_login=self.needs_login,
        )

    # -- the loop --------------------------------------------------------------------------
    def _run(self) -> None:
        self._finalize_leftovers()
        self.on_status(self.status())
        while not self._stop.is_set():
            try:
                pause = self.step()
            except Exception:  # a bug must not stop the station from sending
                log.exception("dispatcher step failed")
                pause = 1.0
            if pause > 0:
                self._wake.wait(pause)
                self._wake.clear()

    def step(self) -> float:
        """Handle the head item if due; the seconds to wait before the next step."""
        item = self.queue.head()
        if item is None:
            self._finalize_leftovers()
            return 2.0
        due_in = item.next_attempt_at - time.time()
        if due_in > 0:
            self.on_status(self.status(retry_in=due_in))
            return min(due_in, 1.0)
        try:
            answer = self.send(item)
        except OfflineError as exc:
            self._defer(item, exc.reason)
            return 0
        except NotSignedInError:
            self.needs_login = True  # keep the item: it is sent after the next sign-in
            self._defer(item, "sign-in needed")
            return 0
        except ApiError as exc:
            self._answered()
            self.queue.mark_failed(item.id, exc.body(), f"{exc.error_code}: {exc.message}")
        except Exception as exc:  # an answer we do not understand: keep the item, retry later
            log.exception("sending item %s failed unexpectedly", item.id)
            self._defer(item, f"{type(exc).__name__}: {exc}")
            return 0
        else:
            self._answered()
            self.queue.mark_done(item.id, answer)
        self._finalize(item.id)
        self.on_status(self.status())
        return 0

    def _answered(self) -> None:
        self.online, self.needs_login, self.last_error = True, False, None

    def _defer(self, item: QueueItem, reason: str) -> None:
        delay = self.backoff(item.attempts + 1)
        self.online, self.last_error = False, reason
        self.queue.defer(item.id, reason, delay)
        log.info("MES unreachable (%s): item %s retried in %.1f s", reason, item.id, delay)
        self.on_status(self.status(retry_in=delay))

    def _finalize(self, item_id: int) -> None:
        item = self.queue.get(item_id)
        if item is None or item.finalized:
            return
        try:
            self.finalize(item)
        except OSError:  # e.g. the file is held open on Windows: next round
            log.exception("could not move the file of item %s yet", item_id)
            return
        except Exception:  # retrying would not help; the answer is kept in the queue
            log.exception("finalizing item %s failed", item_id)
        self.queue.mark_finalized(item_id)

    def _finalize_leftovers(self) -> None:
        for item in self.queue.unfinalized():
            self._finalize(item.id)
