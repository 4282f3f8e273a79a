"""Closing a LOT safely (issue 19 item 3, ADR 0025).

The close is decided here, where starts and completions are: under the same row lock of
the LOT that every start and completion takes (`process.lots … FOR UPDATE`). So a close
and a start racing each other are serialised: either the start came first and the close
sees its open step, or the close came first and the start sees CLOSED. lot-service marks
the LOT CLOSED when it reads `lot.close_accepted`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from mes_contracts import events as ev
from mes_contracts.envelope import Actor
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.payloads import LotCloseAccepted
from servicekit.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo

REASON_REQUIRED = "강제 마감에는 사유가 필요합니다 (a forced close needs a reason)"


def check_can_close(
    lot_number: str,
    status: str,
    open_steps: list[str],
    *,
    force: bool,
    reason: str | None,
    open_ncrs: Sequence[str] = (),
) -> None:
    """The rule (pure): a closed LOT stays closed; an open NCR or a step in progress
    blocks the close unless it is forced, and a forced close says why."""
    if status == "CLOSED":
        raise MesError(ErrorCode.LOT_CLOSED, data={"lot_number": lot_number})
    if force and not (reason and reason.strip()):
        raise MesError(
            ErrorCode.VALIDATION_ERROR,
            message=REASON_REQUIRED,
            data={"lot_number": lot_number, "field": "reason"},
        )
    if open_ncrs and not force:
        raise MesError(
            ErrorCode.LOT_HAS_OPEN_NCR,
            data={
                "lot_number": lot_number,
                "open_ncrs": list(open_ncrs),
                "required_action": (
                    "부적합 보고서(NCR)를 처분한 뒤 마감하거나, 사유를 적어 강제 마감하세요 "
                    "(dispose of the open NCR first, or force the close with a reason)"
                ),
            },
        )
    if open_steps and not force:
        raise MesError(
            ErrorCode.LOT_HAS_OPEN_STEPS,
            data={
                "lot_number": lot_number,
                "open_steps": open_steps,
                "required_action": (
                    "진행 중인 공정을 완공한 뒤 마감하거나, 사유를 적어 강제 마감하세요 "
                    "(complete the open steps first, or force the close with a reason)"
                ),
            },
        )


async def close_lot(
    rt: ServiceRuntime,
    session: AsyncConnection,
    lot_number: str,
    *,
    force: bool,
    reason: str | None,
    actor: Actor,
    closed_by: str,
    correlation_id: str | None,
) -> dict[str, Any]:
    lot = await repo.get_lot(session, lot_number, for_update=True)
    if lot is None:
        raise MesError(ErrorCode.LOT_NOT_FOUND, data={"lot_number": lot_number})
    open_steps = await repo.open_steps(session, lot_number)
    open_ncrs = [
        n["ncr_number"] for n in await repo.lot_ncrs(session, lot_number) if n["status"] == "OPEN"
    ]
    check_can_close(
        lot_number, lot["status"], open_steps, force=force, reason=reason, open_ncrs=open_ncrs
    )
    now = datetime.now(UTC)
    payload = LotCloseAccepted(
        lot_number=lot_number,
        accepted_at=now,
        closed_by=closed_by,
        reason=reason,
        forced=bool(open_steps or open_ncrs),
        open_steps=open_steps,
        open_ncrs=open_ncrs,
    )
    await repo.set_lot_status(session, lot_number, "CLOSED", now)
    await rt.publish(
        session,
        rt.event(
            ev.LOT_CLOSE_ACCEPTED,
            payload,
            subject=lot_number,
            actor=actor,
            correlation_id=correlation_id,
        ),
    )
    return {"status": "CLOSED", **payload.model_dump(mode="json")}
