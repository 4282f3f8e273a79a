"""The status poll: every active network printer is asked its status now and then, and a
change (ready → paper_out, → not_connected …) is published as `printer.status_changed`,
once per change, so the alerts centre sees a printer fail before a job does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from mes_contracts import events as ev
from mes_label_drivers.drivers import StatusReport
from servicekit.logging import get_logger

from . import repository as repo
from .jobs import SYSTEM, Jobs

log = get_logger(__name__)


class StatusWatch:
    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs
        self.interval = jobs.settings.label_status_poll_seconds

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # keep polling; the next tick retries
                log.exception("printer status poll failed")
            await asyncio.sleep(self.interval)

    async def tick(self) -> int:
        """Poll once; the number of changes published."""
        db = self.jobs.rt.db
        async with db.transaction() as session:
            found = await repo.polled_printers(session)
        reports = await asyncio.gather(*(self.jobs.tcp(p).status() for p in found))
        changed = 0
        for printer, report in zip(found, reports, strict=True):
            async with db.transaction() as session:
                changed += await self._record(session, printer, report)
        return changed

    async def _record(self, session: Any, printer: dict[str, Any], report: StatusReport) -> int:
        at = datetime.now(UTC)
        state = report.state.value
        did, previous = await repo.change_printer_state(session, printer["printer_id"], state, at)
        if not did:
            return 0
        data = {
            "printer_id": printer["printer_id"],
            "state": state,
            "previous_state": previous,
            "detail": (report.detail or "")[:500] or None,
            "changed_at": at,
        }
        rt = self.jobs.rt
        await rt.publish(session, rt.event(ev.PRINTER_STATUS_CHANGED, data, actor=SYSTEM))
        log.info("printer status changed", printer_id=printer["printer_id"], state=state)
        return 1
