"""Background dispatcher: sends waiting jobs to raw-TCP printers, with retries and backoff.

A printer that does not take a batch is backed off as a whole (`printers.retry_at`,
doubling per failure in a row up to `label_retry_max_seconds`), on top of each job's own
backoff: jobs that keep arriving for a dead printer wait for its next try (ADR 0013).
Once it answers again, its waiting jobs are due at once.

Jobs live in PostgreSQL, so they survive a restart. Per printer, due jobs are locked
(`FOR UPDATE SKIP LOCKED`: replicas never send the same job), sent over one connection
after a status query, and marked `sent` in the same transaction right after the socket
write completed. At-least-once edge: a crash (or a lost commit) after the write but
before the commit sends those labels again on the next attempt; see ADR 0005.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from mes_contracts.errors import ErrorCode, MesError
from mes_label_drivers.drivers import STATE_ERRORS
from servicekit.logging import get_logger

from . import repository as repo
from .handlers import assign_printers
from .jobs import Jobs
from .transport import PrinterUnavailable

log = get_logger(__name__)


class Dispatcher:
    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs
        self.settings = jobs.settings
        self.wake = asyncio.Event()

    async def run(self) -> None:
        while True:
            busy = True
            try:
                busy = await self.tick()
            except Exception:  # keep dispatching; the next tick retries
                log.exception("label dispatcher tick failed")
            self.wake.clear()
            # With no job open, only a new job (which wakes it) can give it work: it looks
            # again only now and then, so an idle line costs no query every 2 s.
            pause = (
                self.settings.label_dispatch_interval
                if busy
                else self.settings.label_idle_dispatch_interval
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), pause)

    async def tick(self) -> bool:
        """One pass; whether any job was open (waiting, retrying or mid-send)."""
        now = datetime.now(UTC)
        db = self.jobs.rt.db
        async with db.transaction() as session:
            if not await repo.dispatcher_has_work(session):
                return False
            stale = now - timedelta(seconds=self.settings.label_stale_sending_seconds)
            for job in await repo.fail_stale_sending(session, stale):
                log.warning("print job interrupted while sending", job_id=job["id"])
            await assign_printers(session, self.jobs, now)
            printer_ids = await repo.due_printer_ids(session, now)
        if printer_ids:
            await asyncio.gather(*(self.send_printer(p) for p in printer_ids))
        return True

    async def send_printer(self, printer_id: str) -> None:
        db = self.jobs.rt.db
        async with db.transaction() as session:
            printer = await repo.get_printer(session, printer_id)
            now = datetime.now(UTC)
            batch = await repo.lock_due_jobs(
                session, printer_id, now, self.settings.label_batch_size
            )
            if printer is None or not batch:
                return
            ready, payloads = await self._render(session, batch, printer)
            if not ready:
                return
            try:
                await self.jobs.tcp(printer).print_batch(payloads)
            except PrinterUnavailable as exc:
                await self._unavailable(session, printer, ready, exc)
                return
            await self.jobs.printed(session, ready, datetime.now(UTC))
            recovered = await repo.printer_answered(session, printer_id)
            log.info("labels printed", printer_id=printer_id, count=len(ready))
        if recovered:  # its backlog goes out now, not when each job's own backoff ends
            async with db.transaction() as session:
                await repo.wake_printer_jobs(session, printer_id)
            self.wake.set()

    async def _unavailable(
        self,
        session: Any,
        printer: dict[str, Any],
        ready: list[dict[str, Any]],
        exc: PrinterUnavailable,
    ) -> None:
        """The batch failed; the printer as a whole is not tried again before its backoff
        (doubling per failure in a row, up to label_retry_max_seconds), so jobs that keep
        arriving for a dead printer do not make the dispatcher knock at every tick."""
        report = exc.report
        at = datetime.now(UTC)
        failures = printer["consecutive_failures"] + 1
        delay = self.jobs.backoff(failures)
        await self.jobs.failed(
            session,
            ready,
            at,
            STATE_ERRORS[report.state],
            report.detail or report.state.value,
            retry=True,
        )
        await repo.printer_failed(session, printer["printer_id"], failures, at + delay)
        log.info(
            "printer unavailable",
            printer_id=printer["printer_id"],
            state=report.state,
            jobs=len(ready),
            failures=failures,
            retry_in_seconds=delay.total_seconds(),
        )

    async def _render(
        self, session: Any, batch: list[dict[str, Any]], printer: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], list[bytes]]:
        """Bytes per job; a job whose data cannot be rendered fails for good (no retry)."""
        ready, payloads = [], []
        for job in batch:
            try:
                payloads.append(self.jobs.render(job, printer))
                ready.append(job)
            except MesError as exc:
                await self.jobs.failed(
                    session,
                    [job],
                    datetime.now(UTC),
                    ErrorCode.INVALID_LABEL_DATA,
                    exc.message,
                    retry=False,
                )
        return ready, payloads
