"""Hold-on-failure and NCR rules with no I/O (issue 19, ADR 0023): may a step start while
the LOT is held, what a completion does to the hold, is a disposition allowed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mes_contracts import routing_progress
from mes_contracts.enums import Disposition, Result
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.limits import MIN_REASON_LENGTH

from .domain import Record, Step

OPEN = "OPEN"  # the NCR awaits its disposition: no start at all
REWORK = "REWORK"  # REWORK given: only the rework window may start, in order


class RequiredAction(StrEnum):
    """`required_action_code` of LOT_ON_HOLD: a code the clients translate (the error also
    carries `required_action`, plain Korean text with the English after it)."""

    NCR_DISPOSITION_REQUIRED = "NCR_DISPOSITION_REQUIRED"
    REWORK_REQUIRED = "REWORK_REQUIRED"


@dataclass(frozen=True)
class Hold:
    """A LOT's hold as process-service keeps it (columns of process.lots)."""

    ncr_number: str
    process_id: str  # the failed step
    phase: str  # OPEN or REWORK
    rework_from: str | None = None
    #: How many of the LOT's records existed at the REWORK disposition: the later ones
    #: are the rework's.
    rework_base: int = 0


def _seq(routing: Sequence[Step], process_id: str | None) -> int:
    step = routing_progress.find_step(routing, process_id or "")
    return step.sequence if step is not None else 0


def in_rework_window(routing: Sequence[Step], hold: Hold, step: Step) -> bool:
    """The steps from the rework target up to the failed step, both included."""
    return _seq(routing, hold.rework_from) <= step.sequence <= _seq(routing, hold.process_id)


def on_hold_error(
    lot_number: str, routing: Sequence[Step], hold: Hold, failed_checks: list[dict[str, Any]]
) -> MesError:
    failed = routing_progress.find_step(routing, hold.process_id)
    failed_name = failed.name_ko if failed else hold.process_id
    if hold.phase == OPEN:
        code = RequiredAction.NCR_DISPOSITION_REQUIRED
        text = (
            f"부적합 보고서 {hold.ncr_number}의 처리 결정이 필요합니다 "
            f"(a disposition of {hold.ncr_number} is required)"
        )
    else:
        target = routing_progress.find_step(routing, hold.rework_from or "")
        target_name = target.name_ko if target else hold.rework_from
        code = RequiredAction.REWORK_REQUIRED
        text = (
            f"{target_name}부터 {failed_name}까지 재작업하세요 "
            f"(rework {hold.rework_from} to {hold.process_id} first)"
        )
    return MesError(
        ErrorCode.LOT_ON_HOLD,
        data={
            "lot_number": lot_number,
            "ncr_number": hold.ncr_number,
            "failed_process_id": hold.process_id,
            "failed_process_name": failed_name,
            "failed_checks": failed_checks,
            "hold_phase": hold.phase,
            "rework_from": hold.rework_from,
            "required_action": text,
            "required_action_code": code.value,
        },
    )


def latest_view(
    routing: Sequence[Step], hold: Hold, records: Sequence[tuple[str, bool, str | None]]
) -> dict[str, Record]:
    """What the order rule sees during a rework: a step in the window only by its records
    since the disposition (so it may run again), every other step by all its records."""
    latest: dict[str, Record] = {}
    for i, (process_id, completed, result) in enumerate(records):
        step = routing_progress.find_step(routing, process_id)
        if step is not None and in_rework_window(routing, hold, step) and i < hold.rework_base:
            continue
        latest[process_id] = Record(process_id, completed, result)
    return latest


def may_start(
    lot_number: str,
    routing: Sequence[Step],
    step: Step,
    hold: Hold | None,
    records: Sequence[tuple[str, bool, str | None]],
) -> dict[str, Record] | None:
    """The latest records the order rule checks `step` against, or None when the hold
    refuses it (the caller raises LOT_ON_HOLD with the NCR's failed checks)."""
    if hold is None:
        latest: dict[str, Record] = {}
        for process_id, completed, result in records:
            latest[process_id] = Record(process_id, completed, result)
        return latest
    if hold.phase == OPEN or not in_rework_window(routing, hold, step):
        return None
    return latest_view(routing, hold, records)


class HoldEffect(StrEnum):
    NONE = "NONE"
    OPEN_NCR = "OPEN_NCR"
    RELEASE = "RELEASE"


def completion_effect(step: Step, result: str, hold: Hold | None) -> HoldEffect:
    """A FAIL at a step with hold_on_fail opens an NCR (a rework's FAIL too); a PASS of the
    failed step during its rework releases the hold."""
    if result == Result.FAIL and step.hold_on_fail:
        return HoldEffect.OPEN_NCR
    if (
        result == Result.PASS
        and hold is not None
        and hold.phase == REWORK
        and step.process_id == hold.process_id
    ):
        return HoldEffect.RELEASE
    return HoldEffect.NONE


@dataclass(frozen=True)
class LotFacts:
    """What a disposition is checked against."""

    target_quantity: int
    scrapped_count: int  # units scrapped by earlier NCRs
    scrapped_serials: frozenset[str]
    serials_allocated: bool  # the serial allocation step has started
    reworks_to: dict[str, int]  # process_id → REWORK dispositions that targeted it


def _invalid(message: str, **data: Any) -> MesError:
    return MesError(ErrorCode.INVALID_SCRAP, message=message, data=data)


def check_disposition(
    lot_number: str,
    routing: Sequence[Step],
    failed_process_id: str,
    body: dict[str, Any],
    facts: LotFacts,
) -> Step | None:
    """Raise the contract's error if the disposition may not be given; the REWORK target
    step (None for the others)."""
    disposition = Disposition(body["disposition"])
    reason = (body.get("reason") or "").strip()
    scrap_count, scrap_serials = body.get("scrap_count"), body.get("scrap_serials")
    extra = {
        Disposition.REWORK: ("scrap_count", "scrap_serials"),
        Disposition.USE_AS_IS: ("rework_from", "scrap_count", "scrap_serials"),
        Disposition.SCRAP: ("rework_from",),
    }[disposition]
    given = [f for f in extra if body.get(f) is not None]
    if given:
        raise MesError(
            ErrorCode.VALIDATION_ERROR,
            message=f"{disposition.value} takes no {', '.join(given)}",
            data={"fields": given, "disposition": disposition.value},
        )
    if disposition is Disposition.USE_AS_IS:
        if len(reason) < MIN_REASON_LENGTH:
            raise MesError(
                ErrorCode.REASON_REQUIRED,
                data={"field": "reason", "min_length": MIN_REASON_LENGTH},
            )
        return None
    if disposition is Disposition.SCRAP:
        _check_scrap(lot_number, scrap_count, scrap_serials, facts)
        return None
    return rework_target(routing, failed_process_id, body.get("rework_from"), facts.reworks_to)


def rework_target(
    routing: Sequence[Step],
    failed_process_id: str,
    rework_from: str | None,
    reworks_to: dict[str, int],
) -> Step:
    """The step a REWORK sends the LOT back to: the failed step or an earlier one whose
    rework_limit is above 0 and not yet used up."""
    failed = routing_progress.find_step(routing, failed_process_id)
    target = routing_progress.find_step(routing, rework_from or failed_process_id)
    if failed is None or target is None or target.sequence > failed.sequence:
        raise MesError(
            ErrorCode.REWORK_NOT_ALLOWED,
            data={
                "rework_from": rework_from,
                "failed_process_id": failed_process_id,
                "allowed": [
                    s.process_id
                    for s in routing_progress.ordered(routing)
                    if failed and s.sequence <= failed.sequence and s.rework_limit > 0
                ],
            },
        )
    if target.rework_limit == 0:
        raise MesError(
            ErrorCode.REWORK_NOT_ALLOWED,
            data={"rework_from": target.process_id, "rework_limit": 0},
        )
    done = reworks_to.get(target.process_id, 0)
    if done >= target.rework_limit:
        raise MesError(
            ErrorCode.REWORK_LIMIT_REACHED,
            data={
                "rework_from": target.process_id,
                "rework_limit": target.rework_limit,
                "reworks": done,
                "required_action_code": "USE_AS_IS_OR_SCRAP",
            },
        )
    return target


def _check_scrap(
    lot_number: str,
    scrap_count: int | None,
    scrap_serials: list[str] | None,
    facts: LotFacts,
) -> None:
    if (scrap_count is None) == (scrap_serials is None):
        raise _invalid("give scrap_count or scrap_serials, not both", lot_number=lot_number)
    left = facts.target_quantity - facts.scrapped_count
    if scrap_count is not None:
        if facts.serials_allocated:
            raise _invalid("the LOT's serials exist: scrap them by serial", lot_number=lot_number)
        if scrap_count > left:
            raise _invalid("more units than the LOT has left", scrap_count=scrap_count, left=left)
        return
    assert scrap_serials is not None
    if not facts.serials_allocated:
        raise _invalid("the LOT has no serials yet: scrap by count", lot_number=lot_number)
    foreign = [s for s in scrap_serials if not s.startswith(f"{lot_number}-")]
    repeated = sorted({s for s in scrap_serials if scrap_serials.count(s) > 1})
    already = sorted(set(scrap_serials) & facts.scrapped_serials)
    if foreign or repeated or already:
        raise _invalid(
            "serials not of this LOT, repeated or already scrapped",
            not_of_this_lot=foreign,
            repeated=repeated,
            already_scrapped=already,
        )


class SpcHoldEffect(StrEnum):
    """What `spc.violation_found` does to the LOT (ADR 0023 amendment)."""

    HOLD = "HOLD"  # an NCR and the hold at the violating step
    ALREADY_REPORTED = "ALREADY_REPORTED"  # the completion has its NCR (redelivery, a FAIL)
    ALREADY_HELD = "ALREADY_HELD"  # an OPEN NCR awaits its disposition anyway
    CLOSED = "CLOSED"  # nothing more happens to a closed LOT


def spc_hold_effect(lot_status: str, hold: Hold | None, completion_has_ncr: bool) -> SpcHoldEffect:
    """A violation holds the LOT like a FAIL would, except where that would say nothing
    new: the completion already opened an NCR, the LOT waits on an OPEN NCR, or it is
    CLOSED. During a REWORK it opens a new NCR and the hold moves to it (as a FAIL)."""
    if completion_has_ncr:
        return SpcHoldEffect.ALREADY_REPORTED
    if lot_status == "CLOSED":
        return SpcHoldEffect.CLOSED
    if hold is not None and hold.phase == OPEN:
        return SpcHoldEffect.ALREADY_HELD
    return SpcHoldEffect.HOLD


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def spc_failed_checks(violations: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The NCR's failed checks (`Defect`s) for SPC rule hits: the value against its spec,
    the rule and the control limits in the message (the values of the pattern too)."""
    out = []
    for v in violations:
        values = ", ".join(_fmt(p["value"]) for p in v["points"])
        message = (
            f"SPC rule {v['rule']}: {v['description']} (limits v{v['limits_version']}: "
            f"CL {_fmt(v['center'])}, LCL {_fmt(v['lcl'])}, UCL {_fmt(v['ucl'])}; "
            f"points {values})"
        )
        out.append(
            {
                "check": v["check"],
                "measured": v["value"],
                "target": v.get("target"),
                "tolerance": v.get("tolerance"),
                "lower_limit": v.get("lower_limit"),
                "upper_limit": v.get("upper_limit"),
                "unit": v.get("unit"),
                "message": message,
            }
        )
    return out
