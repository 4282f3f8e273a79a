"""The default routing of product model WF (SPEC §3) as data, used for seeding.

The routing is data per product model: services store it in their own tables and only
seed it from here. Order is enforced by `sequence` (FR-PROC-003); what follows from it
(previous step, can a step start, progress) is `mes_contracts.routing_progress`.
"""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, ConfigDict, Field

from mes_contracts import routing_progress
from mes_contracts.enums import ProcessLevel
from mes_contracts.identifiers import ProcessId
from mes_contracts.limits import MAX_TAKT_SECONDS

DEFAULT_PRODUCT_MODEL = "WF"
#: The step whose start allocates the LOT's serial numbers (FR-SN-001).
SERIAL_ALLOCATION_PROCESS_ID = "PROC-007"
#: Rework dispositions a step takes by default, and at most (issue 19, ADR 0023).
DEFAULT_REWORK_LIMIT = 2
MAX_REWORK_LIMIT = 99
#: The step whose start hands out the released firmware (seed 002 §3.4.4).
FIRMWARE_PROCESS_ID = "PROC-004"


class RoutingStep(BaseModel):
    """One step of a routing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    process_id: ProcessId
    sequence: int = Field(ge=1, description="1-based position; starts must follow it")
    name_ko: str = Field(description="Process name in Korean (as in process_name)")
    name_en: str
    level: ProcessLevel = ProcessLevel.LOT
    required_fields: tuple[str, ...] = Field(
        default=(), description="Summary of the required process_data fields"
    )
    allocates_serials: bool = Field(default=False, description="Start allocates serials")
    requires_firmware: bool = Field(default=False, description="Start returns firmware_info")
    hold_on_fail: bool = Field(
        default=True, description="A FAIL completion puts the LOT on hold and opens an NCR"
    )
    rework_limit: int = Field(
        default=DEFAULT_REWORK_LIMIT,
        ge=0,
        le=MAX_REWORK_LIMIT,
        description="How many REWORK dispositions may send the LOT back to this step (0: none)",
    )
    takt_seconds: int | None = Field(
        default=None,
        ge=1,
        le=MAX_TAKT_SECONDS,
        description="How long the step normally takes for a LOT; the stalled-LOT alert "
        "fires after MES_ALERT_STALLED_TAKT_MULTIPLE times this without activity (None: never)",
    )


# Takts: neither SPEC nor the seeds state cycle times. These assume a LOT of ~100 units
# (the daily target, seed 002) through LOT-level steps in one 8-hour shift: 6 h in all,
# EOL at 45 s a unit (its test_duration_seconds example). ADR 0024 lists them.
DEFAULT_ROUTING: tuple[RoutingStep, ...] = (
    RoutingStep(
        process_id="PROC-001",
        sequence=1,
        name_ko="레이저 마킹",
        name_en="Laser marking",
        required_fields=("lot_number_engraved", "marking_result"),
        takt_seconds=1800,
    ),
    RoutingStep(
        process_id="PROC-002",
        sequence=2,
        name_ko="LMA 조립",
        name_en="LMA assembly",
        required_fields=("sma_spring_lot", "busbar_lot"),
        takt_seconds=3600,
    ),
    RoutingStep(
        process_id="PROC-003",
        sequence=3,
        name_ko="센서 검사",
        name_en="Sensor inspection",
        required_fields=(
            "temp_sensor{measured_temp,target_temp,tolerance,result}",
            "tof_sensor{i2c_communication,result}",
            "overall_result",
        ),
        takt_seconds=1800,
    ),
    RoutingStep(
        process_id="PROC-004",
        sequence=4,
        name_ko="펌웨어 업로드",
        name_en="Firmware upload",
        required_fields=("firmware_version", "upload_result"),
        requires_firmware=True,
        takt_seconds=1800,
    ),
    RoutingStep(
        process_id="PROC-005",
        sequence=5,
        name_ko="로봇 조립",
        name_en="Robot assembly",
        takt_seconds=3600,
    ),
    RoutingStep(
        process_id="PROC-006",
        sequence=6,
        name_ko="성능검사",
        name_en="Performance test (EOL)",
        required_fields=(
            "test_results[{test_point_id,spec{target_force,tolerance},result}]",
            "overall_result",
            "test_duration_seconds",
            "tested_at",
        ),
        takt_seconds=4500,
    ),
    RoutingStep(
        process_id="PROC-007",
        sequence=7,
        name_ko="라벨 프린팅",
        name_en="Label printing",
        required_fields=("label_printed", "printer_id", "print_time", "barcode_verified"),
        allocates_serials=True,
        takt_seconds=1200,
    ),
    RoutingStep(
        process_id="PROC-008",
        sequence=8,
        name_ko="포장 + 외관검사",
        name_en="Packaging + visual inspection",
        required_fields=("inspection_result",),
        takt_seconds=2400,
    ),
)

#: product model → its default routing.
DEFAULT_ROUTINGS: dict[str, tuple[RoutingStep, ...]] = {DEFAULT_PRODUCT_MODEL: DEFAULT_ROUTING}


def step_for(process_id: str, routing: tuple[RoutingStep, ...] = DEFAULT_ROUTING) -> RoutingStep:
    """The step of `process_id`; KeyError if it is not in the routing."""
    step = routing_progress.find_step(routing, process_id)
    if step is None:
        raise KeyError(process_id)
    return step


def previous_step(
    step: RoutingStep, routing: tuple[RoutingStep, ...] = DEFAULT_ROUTING
) -> RoutingStep | None:
    """The step that must be completed before `step` may start (None for the first)."""
    return routing_progress.previous_step(routing, step)


def is_last_step(step: RoutingStep, routing: tuple[RoutingStep, ...] = DEFAULT_ROUTING) -> bool:
    return routing_progress.is_last_step(routing, step)


def process_name_key(name: str) -> str:
    """What two process names are compared on: Unicode form (NFKC), case and whitespace
    do not count, so "LMA조립", "lma  조립" and "LMA 조립" are one name."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def process_name_matches(name: str, *routing_names: str) -> bool:
    """True if `name` is one of the step's names (Korean or English, see process_name_key)."""
    key = process_name_key(name)
    return any(key == process_name_key(n) for n in routing_names if n)
