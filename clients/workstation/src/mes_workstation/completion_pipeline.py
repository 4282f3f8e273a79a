"""Completion files: pending/ → queued/ → completed/ | error/ (SPEC §7).

A file is taken once it is completely written: its size and modification time stayed
the same over `stable_polls` polls and it can be opened. It is then checked with the
contract (`load_completion`: name, encoding, JSON, fields; `outcome()`: the per-process
`process_data` rules, exactly as the MES checks them). A bad one goes to error/ at once
with `<name>.error.json`; a good one moves to queued/ and into the offline queue, and
leaves queued/ only after the MES answered. Only `*.json` names are considered, so a
station app may write `x.json.tmp` and rename it. watchdog wakes the poller; a rescan of
pending/ every poll catches anything an event missed (network drives, start-up).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mes_contracts.completion import decode_completion, load_completion
from mes_contracts.errors import ErrorCode, MesError
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .events import FileUpdate, now_local
from .offline_queue import OfflineQueue, QueueItem
from .workdir import WorkFolders, move_unique, write_sidecar

log = logging.getLogger(__name__)


class _QuietStopRace(logging.Filter):
    """watchdog logs an ERROR when an inotify event races with `observer.stop()`;
    harmless (the poller rescans pending/ anyway)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "called when the thread is inactive" not in record.getMessage()


logging.getLogger("watchdog.observers.inotify").addFilter(_QuietStopRace())
EMPTY_FILE_GRACE_SECONDS = 10.0  # a 0-byte file may still be in the making


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    stable: int
    first_seen: float


def is_candidate(name: str) -> bool:
    return name.lower().endswith(".json") and not name.startswith((".", "~"))


class _Wake(FileSystemEventHandler):
    def __init__(self, wake: threading.Event) -> None:
        self.wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.wake.set()


class CompletionPipeline:
    def __init__(
        self,
        folders: WorkFolders,
        queue: OfflineQueue,
        *,
        on_file: Callable[[FileUpdate], None] = lambda _: None,
        queued: Callable[[], None] = lambda: None,
        poll_seconds: float = 0.25,
        stable_polls: int = 2,
    ) -> None:
        self.folders, self.queue = folders, queue
        self.on_file, self.queued = on_file, queued
        self.poll_seconds, self.stable_polls = poll_seconds, stable_polls
        self._seen: dict[str, _Seen] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer: Any = None

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> None:
        self.folders.create()
        self.requeue_orphans()
        self._stop.clear()
        observer = Observer()
        observer.schedule(_Wake(self._wake), str(self.folders.pending), recursive=False)
        observer.daemon = True
        observer.start()
        self._observer = observer
        self._thread = threading.Thread(target=self._run, name="mes-pipeline", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout)
            self._observer = None
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def requeue_orphans(self) -> None:
        """Files in queued/ the queue does not know (a crash between move and enqueue)."""
        known = self.queue.waiting_files()
        for path in sorted(self.folders.queued.iterdir()):
            if path.is_file() and path.name not in known:
                log.warning("%s was in queued/ but not in the queue: queued again", path.name)
                self._enqueue(path, path.read_bytes())

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:
                log.exception("completion pipeline poll failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    # -- pending/ ----------------------------------------------------------------------------
    def poll(self) -> None:
        """One look at pending/: take every file that is completely written."""
        present: set[str] = set()
        for path in sorted(self.folders.pending.iterdir()):
            if not path.is_file() or not is_candidate(path.name):
                continue
            present.add(path.name)
            if self._ready(path):
                self._take(path)
        for name in set(self._seen) - present:
            del self._seen[name]

    def _ready(self, path: Path) -> bool:
        try:
            st = path.stat()
        except FileNotFoundError:
            return False
        seen = self._seen.get(path.name)
        if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
            self._seen[path.name] = _Seen(st.st_size, st.st_mtime_ns, 0, time.monotonic())
            return False
        seen.stable += 1
        if seen.stable < self.stable_polls:
            return False
        if st.st_size == 0:  # judged only after a grace period
            return time.monotonic() - seen.first_seen >= EMPTY_FILE_GRACE_SECONDS
        return True

    def _take(self, path: Path) -> None:
        try:
            raw = path.read_bytes()  # PermissionError while a writer holds it (Windows)
        except OSError as exc:
            log.info("%s not readable yet: %s", path.name, exc)
            return
        try:
            loaded = load_completion(raw, filename=path.name)
            loaded.request.outcome()
        except MesError as exc:
            self._reject(path, exc)
            return
        try:
            moved = move_unique(path, self.folders.queued)
        except PermissionError:
            return  # still open in the station app: next poll
        self._seen.pop(path.name, None)
        self._enqueue(moved, raw)

    def _enqueue(self, moved: Path, raw: bytes) -> None:
        text, encoding = decode_completion(raw)
        key = f"file:{moved.name}:{time.time_ns()}"
        item = self.queue.enqueue("complete", key, text, moved.name)
        body = item.payload
        note = None if encoding == "utf-8" else f"decoded from {encoding.upper()}"
        self.on_file(
            FileUpdate(
                moved.name,
                "queued",
                reason=note,
                lot_number=body.get("lot_number"),
                process_id=body.get("process_id"),
            )
        )
        self.queued()

    def _reject(self, path: Path, exc: MesError) -> None:
        try:
            moved = move_unique(path, self.folders.error)
        except PermissionError:
            return
        self._seen.pop(path.name, None)
        write_sidecar(
            moved,
            error_record(
                path.name,
                "validation",
                exc.code.value,
                exc.message_in("en"),
                exc.message_in("ko"),
                exc.data,
            ),
        )
        log.warning("%s refused: %s", path.name, exc)
        self.on_file(
            FileUpdate(
                moved.name,
                "error",
                error_code=exc.code.value,
                reason=exc.message_in("en"),
                error_data=exc.data,
            )
        )

    # -- after the MES answered -----------------------------------------------------------
    def finalize(self, item: QueueItem) -> None:
        """Move a completion's file out of queued/ according to the MES's answer."""
        if not item.file_name:
            return
        source = self.folders.queued / item.file_name
        if not source.exists():
            log.warning("%s is no longer in queued/; nothing to move", item.file_name)
            return
        answer = item.answer or {}
        body = item.payload
        lot, process = body.get("lot_number"), body.get("process_id")
        if item.state == "done":
            moved = move_unique(source, self.folders.completed)
            data = answer
            self.on_file(
                FileUpdate(
                    moved.name,
                    "completed",
                    result=data.get("result"),
                    already_recorded=bool(data.get("already_recorded")),
                    lot_number=lot,
                    process_id=process,
                    failed_checks=tuple(
                        str(d.get("check"))
                        for d in data.get("defects") or []
                        if isinstance(d, dict) and d.get("check")
                    ),
                )
            )
            return
        moved = move_unique(source, self.folders.error)
        code = str(answer.get("error_code") or ErrorCode.INTERNAL_ERROR.value)
        message = str(answer.get("message") or item.last_error or "")
        record = error_record(item.file_name, "mes", code, message, None, answer.get("data"))
        record["server_answer"] = answer
        write_sidecar(moved, record)
        self.on_file(
            FileUpdate(
                moved.name,
                "error",
                error_code=code,
                reason=message,
                lot_number=lot,
                process_id=process,
                error_data=answer.get("data") if isinstance(answer.get("data"), dict) else None,
            )
        )


def error_record(
    name: str, stage: str, code: str, reason: str, reason_ko: str | None, data: Any
) -> dict[str, Any]:
    """The sidecar `<name>.error.json`: when, why, and what the MES said."""
    known = code in ErrorCode.__members__
    return {
        "file": name,
        "time": now_local().isoformat(),
        "stage": stage,  # "validation" (refused here) or "mes" (refused by the MES)
        "error_code": code,
        "reason": reason,
        "reason_ko": reason_ko or (ErrorCode(code).message("ko") if known else None),
        "data": data or {},
    }
