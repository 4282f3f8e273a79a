"""A refused completion file in words the floor can act on: what is wrong, then what to
do (`tof_sensor 값이 없습니다 — 검사기 설정을 확인하세요`).

Built from the contract error's code and `data` (the pydantic error locations and types
that `mes_contracts.validation` keeps); the technical detail stays in `<name>.error.json`.
"""

from __future__ import annotations

from typing import Any

from mes_contracts.errors import ErrorCode

Texts = tuple[str, str]  # (Korean, English)

CHECK_STATION: Texts = ("검사기 설정을 확인하세요", "check the station app's settings")
CHECK_CLOCK: Texts = ("PC 시계를 확인하세요", "check the PC's clock")
ASK_MANAGER: Texts = ("관리자에게 문의하세요", "ask a manager")
TOP_FIELDS: dict[str, Texts] = {
    "lot_number": ("LOT 번호", "the LOT number"),
    "process_id": ("공정 ID", "the process id"),
    "process_name": ("공정명", "the process name"),
    "worker_id": ("작업자 ID", "the worker id"),
    "start_time": ("착공 시간", "the start time"),
    "complete_time": ("완공 시간", "the completion time"),
    "process_data": ("검사 데이터(process_data)", "process_data"),
}
#: What the station app sent, answered by the MES (stage "mes").
MES_ANSWERS: dict[str, tuple[Texts, Texts]] = {
    "PROCESS_NOT_STARTED": (
        ("착공 기록이 없습니다", "The process was not started"),
        (
            "LOT을 먼저 스캔해 착공한 뒤 파일을 pending에 다시 넣으세요",
            "scan the LOT first, then put the file into pending/ again",
        ),
    ),
    "PROCESS_ALREADY_COMPLETED": (
        ("이미 다른 내용으로 완공되었습니다", "Already completed with other data"),
        ASK_MANAGER,
    ),
    "TIME_OUT_OF_RANGE": (
        ("시간이 MES 시계와 너무 다릅니다", "The times are too far from the MES clock"),
        CHECK_CLOCK,
    ),
    "BEFORE_RECORDED_START": (
        ("완공 시간이 기록된 착공보다 빠릅니다", "The completion is before the recorded start"),
        CHECK_CLOCK,
    ),
    "PROCESS_NAME_MISMATCH": (
        ("공정명이 라우팅과 다릅니다", "The process name differs from the routing"),
        CHECK_STATION,
    ),
    "LOT_NOT_FOUND": (
        ("MES에 없는 LOT입니다", "The LOT is not in the MES"),
        ("파일의 LOT 번호를 확인하세요", "check the file's LOT number"),
    ),
    "FORBIDDEN": (
        ("다른 작업자의 파일입니다", "Another worker's file"),
        ("본인 계정으로 로그인하세요", "sign in with your own account"),
    ),
    "LOT_CLOSED": (("마감된 LOT입니다", "The LOT is closed"), ASK_MANAGER),
}


def _name(field: str) -> Texts:
    """`process_data.tof_sensor` → `tof_sensor`; top-level fields by their name."""
    if field.startswith("process_data."):
        short = field.removeprefix("process_data.")
        return short, short
    return TOP_FIELDS.get(field, (field, field))


def _by_type(field: str, kind: str, message: str) -> tuple[Texts, Texts]:
    """(what, action) for one pydantic error type at `field`."""
    ko, en = _name(field)
    if kind == "json_invalid":
        return (
            "파일 내용이 JSON이 아니거나 중간에 잘렸습니다",
            "The file is not JSON or was cut short",
        ), (
            "검사기가 파일을 끝까지 쓰는지 확인하세요",
            "check that the station app writes the whole file",
        )
    if kind == "complete_before_start":
        return (
            "완공 시간이 착공 시간보다 빠릅니다",
            "The completion time is before the start time",
        ), CHECK_CLOCK
    if kind.startswith(("datetime", "timezone")):
        return (
            f"{ko} 형식이 틀립니다 (예: 2025-11-10T09:15:00+09:00)",
            f"{en} is not a time with offset (e.g. 2025-11-10T09:15:00+09:00)",
        ), CHECK_STATION
    if kind.startswith(("int_", "float_", "finite_number", "decimal")):
        return (f"{ko} 값은 숫자여야 합니다", f"{en} must be a number"), CHECK_STATION
    if kind.startswith("bool_"):
        return (f"{ko} 값은 true/false여야 합니다", f"{en} must be true or false"), CHECK_STATION
    if kind.startswith(("string_type", "dict_type", "list_type", "model_type")):
        return (f"{ko} 값의 종류가 틀립니다", f"{en} has the wrong kind of value"), CHECK_STATION
    if kind == "literal_error":
        allowed = message.removeprefix("Input should be ")
        return (
            f"{ko} 값이 허용되지 않습니다 (허용: {allowed})",
            f"{en} is not allowed (expected {allowed})",
        ), CHECK_STATION
    if kind == "string_pattern_mismatch":
        return (f"{ko} 형식이 틀립니다", f"{en} has the wrong format"), CHECK_STATION
    if kind.startswith(("greater", "less", "too_", "string_too")):
        return (f"{ko} 값이 허용 범위를 벗어났습니다", f"{en} is out of range"), CHECK_STATION
    return (f"{ko} 값이 올바르지 않습니다", f"{en} is not valid"), CHECK_STATION


def _validation(code: str, data: dict[str, Any]) -> tuple[Texts, Texts]:
    field = str(data.get("field") or "body")
    if code == "MISSING_REQUIRED_FIELD":
        missing = [str(f) for f in data.get("missing_fields") or [field]]
        ko = ", ".join(_name(f)[0] for f in missing)
        en = ", ".join(_name(f)[1] for f in missing)
        return (f"{ko} 값이 없습니다", f"{en} is missing"), CHECK_STATION
    if code == "PAYLOAD_TOO_LARGE":
        return ("파일이 1 MB보다 큽니다", "The file is larger than 1 MB"), CHECK_STATION
    if field == "filename":
        if "lot_number" in data:
            return (
                "파일 이름의 LOT·공정이 내용과 다릅니다",
                "The file name's LOT or process differs from its content",
            ), CHECK_STATION
        return (
            "파일 이름이 규칙({LOT}_{공정}_{YYYYMMDDhhmmss}.json)에 맞지 않습니다",
            "The file name is not {LOT}_{PROC}_{YYYYMMDDhhmmss}.json",
        ), CHECK_STATION
    if data.get("reason") == "not UTF-8":
        return ("파일이 UTF-8 텍스트가 아닙니다", "The file is not UTF-8 text"), CHECK_STATION
    if field.endswith("lot_number_engraved") and "actual" in data:
        return (
            f"각인된 LOT 번호({data['actual']})가 이 LOT과 다릅니다",
            f"The engraved LOT number ({data['actual']}) is not this LOT",
        ), ("레이저 마킹 결과를 확인하세요", "check the laser marking")
    errors = data.get("errors") or []
    if errors and isinstance(errors[0], dict):
        first = errors[0]
        return _by_type(
            str(first.get("field") or field),
            str(first.get("type") or ""),
            str(first.get("message") or ""),
        )
    ko, en = _name(field)
    return (f"{ko} 값이 올바르지 않습니다", f"{en} is not valid"), CHECK_STATION


def plain_file_error(code: str | None, data: dict[str, Any] | None) -> Texts:
    """(Korean, English) "what — what to do" for a refused completion file."""
    code = str(code or ErrorCode.INTERNAL_ERROR.value)
    data = data if isinstance(data, dict) else {}
    if code in MES_ANSWERS:
        what, action = MES_ANSWERS[code]
    elif code in (
        "VALIDATION_ERROR",
        "MISSING_REQUIRED_FIELD",
        "INVALID_PROCESS_DATA",
        "PAYLOAD_TOO_LARGE",
    ):
        what, action = _validation(code, data)
    else:
        try:
            known = ErrorCode(code)
            what = (known.message("ko"), known.message("en"))
        except ValueError:
            what = (code, code)
        action = ASK_MANAGER
    english = what[1][:1].upper() + what[1][1:] if what[1].startswith("the ") else what[1]
    return f"{what[0]} — {action[0]}", f"{english} — {action[1]}"
