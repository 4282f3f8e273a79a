"""process-service's copy of a LOT's status moves only forward in the source's time: a
lot.status_changed applied late (redelivered, or reclaimed from a killed consumer after a
newer one was applied) never overwrites the newer status. Found by the full chaos plan:
the LOT page said COMPLETED while process-service kept IN_PROGRESS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mes_contracts import events as ev

from .conftest import ProcessKit


def _change(lot: str, old: str, new: str, at: datetime) -> dict[str, object]:
    return {
        "lot_number": lot,
        "from_status": old,
        "to_status": new,
        "changed_at": at.isoformat(),
        "changed_by": "system",
    }


async def _status(kit: ProcessKit, lot: str) -> str:
    rows = await kit.fetch("SELECT status FROM process.lots WHERE lot_number = $1", lot)
    return rows[0]["status"]


async def test_an_older_status_change_applied_late_does_not_win(kit: ProcessKit) -> None:
    lot = await kit.new_lot()
    began = datetime.now(UTC)
    completed = began + timedelta(minutes=30)
    await kit.emit(ev.LOT_STATUS_CHANGED, _change(lot, "IN_PROGRESS", "COMPLETED", completed))
    await kit.emit(ev.LOT_STATUS_CHANGED, _change(lot, "CREATED", "IN_PROGRESS", began))
    assert await _status(kit, lot) == "COMPLETED"


async def test_changes_in_order_all_apply(kit: ProcessKit) -> None:
    lot = await kit.new_lot()
    began = datetime.now(UTC)
    await kit.emit(ev.LOT_STATUS_CHANGED, _change(lot, "CREATED", "IN_PROGRESS", began))
    assert await _status(kit, lot) == "IN_PROGRESS"
    later = began + timedelta(seconds=1)
    await kit.emit(ev.LOT_STATUS_CHANGED, _change(lot, "IN_PROGRESS", "COMPLETED", later))
    assert await _status(kit, lot) == "COMPLETED"
