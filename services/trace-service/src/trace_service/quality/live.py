"""Live SPC: on each completion with measurements, every check it measured is judged
against its current limits on a small window of its newest points (ADR 0026).

Per check and event: one read of the newest limits version, then either the baseline
(a pending version: at most `baseline_points` rows) or a window of 2 × LOOKBACK points.
A rule holds while one of its hits ends among the newest LOOKBACK points, whose patterns
the window sees whole; its alert resolves once LOOKBACK clean points followed, or when
the limits are reset. A new hit on a check configured to hold (`MES_SPC_HOLD_CHECKS`) at
the judged completion publishes `spc.violation_found`, in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mes_contracts import events as ev
from mes_contracts.envelope import Actor, Envelope
from mes_contracts.payloads.process import ProcessCompleted
from sqlalchemy.ext.asyncio import AsyncConnection

from ..alerts import rules
from ..alerts.centre import AlertCentre
from . import spc, store
from .holding import hold_violations
from .settings import QualitySettings

WINDOW = 2 * spc.LOOKBACK


class LiveSpc:
    def __init__(self, centre: AlertCentre, settings: QualitySettings) -> None:
        self.centre = centre
        self.settings = settings

    async def on_completed(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, ProcessCompleted)
        measured = sorted({x.check for x in d.measurements if x.value is not None})
        found: list[dict[str, Any]] = []
        for check in measured:
            found += await self.judge(session, check, d.process_id, d.work_order_id)
        if found:  # the LOT is held by process-service (ADR 0023)
            payload = {
                "lot_number": d.lot_number,
                "work_order_id": d.work_order_id,
                "process_id": d.process_id,
                "violations": found,
                "detected_at": datetime.now(UTC),
            }
            rt = self.centre.rt
            out = rt.event(
                ev.SPC_VIOLATION_FOUND,
                payload,
                actor=Actor(system=rt.settings.service_name),
                correlation_id=event.correlation_id,
            )
            await rt.publish(session, out)

    async def limits_for(
        self, session: AsyncConnection, check: str, process_id: str | None
    ) -> dict[str, Any] | None:
        """The check's active limits, establishing them from the baseline when it is
        complete (the first limits of a check are version 1, by the system)."""
        limits = await store.current_limits(session, check)
        if limits is None:
            limits = await store.new_version(
                session,
                check,
                process_id,
                baseline_points=self.settings.spc_baseline_points,
                reason="first baseline",
                set_by=store.SYSTEM,
                baseline_from=None,
            ) or await store.current_limits(session, check)
        if limits is None or limits["state"] == "active":
            return limits
        need = limits["baseline_points"]
        baseline = await store.first_points(session, check, limits["baseline_from"], need)
        if len(baseline) < need:
            return None
        return await store.activate(session, limits, baseline)

    async def judge(
        self, session: AsyncConnection, check: str, process_id: str, work_order_id: str = ""
    ) -> list[dict[str, Any]]:
        """Judge the check's newest points; the violations that hold `work_order_id`'s LOT."""
        limits = await self.limits_for(session, check, process_id)
        if limits is None or limits["state"] != "active":
            return []
        window = await store.latest_points(session, check, WINDOW)
        hits = spc.evaluate([p["value"] for p in window], limits["center"], limits["sigma"])
        recent = [h for h in hits if h.last >= len(window) - spc.LOOKBACK]
        new_hits = await store.store_hits(session, check, limits["version"], window, recent)
        holding = {h.rule: (h.description, window[h.last]["lot_number"]) for h in recent}
        specs = rules.spc_alerts(check, process_id, limits["version"], holding)
        await self.centre.reconcile(session, rules.spc_scope(check), specs)
        hold_checks = self.settings.spc_hold_check_names
        return hold_violations(check, hold_checks, limits, window, new_hits, work_order_id)
