"""Error codes, their HTTP statuses and messages, and the REST response bodies.

Every REST error answers `{"status": "error", "message": …, "error_code": …, "data": {…}}`
(seed 002 §3.4.1); every success `{"status": "success", "message": …, "data": …}`.
Messages default to Korean (the floor's language, as in the seed); pass `lang="en"`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

DEFAULT_LANG = "ko"
LANGS = ("ko", "en")


class ErrorCode(StrEnum):
    LOT_NOT_FOUND = "LOT_NOT_FOUND"
    PREVIOUS_PROCESS_NOT_COMPLETED = "PREVIOUS_PROCESS_NOT_COMPLETED"
    DUPLICATE_START = "DUPLICATE_START"
    INVALID_PROCESS_SEQUENCE = "INVALID_PROCESS_SEQUENCE"
    WORKER_NOT_FOUND = "WORKER_NOT_FOUND"
    PROCESS_NOT_STARTED = "PROCESS_NOT_STARTED"
    PROCESS_ALREADY_COMPLETED = "PROCESS_ALREADY_COMPLETED"
    PROCESS_NAME_MISMATCH = "PROCESS_NAME_MISMATCH"
    TIME_OUT_OF_RANGE = "TIME_OUT_OF_RANGE"
    BEFORE_RECORDED_START = "BEFORE_RECORDED_START"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    MALFORMED_BODY = "MALFORMED_BODY"
    MISSING_REQUIRED_FIELD = "MISSING_REQUIRED_FIELD"
    INVALID_PROCESS_DATA = "INVALID_PROCESS_DATA"
    DUPLICATE_LOT_NUMBER = "DUPLICATE_LOT_NUMBER"
    LOT_NOT_IN_PROGRESS = "LOT_NOT_IN_PROGRESS"
    LOT_CLOSED = "LOT_CLOSED"
    LOT_HAS_OPEN_STEPS = "LOT_HAS_OPEN_STEPS"
    LOT_HAS_OPEN_NCR = "LOT_HAS_OPEN_NCR"
    INVALID_STATUS_TRANSITION = "INVALID_STATUS_TRANSITION"
    SERIAL_NOT_FOUND = "SERIAL_NOT_FOUND"
    SERIALS_NOT_ALLOCATED = "SERIALS_NOT_ALLOCATED"
    PRODUCT_MODEL_NOT_FOUND = "PRODUCT_MODEL_NOT_FOUND"
    PROCESS_NOT_FOUND = "PROCESS_NOT_FOUND"
    NO_RELEASED_FIRMWARE = "NO_RELEASED_FIRMWARE"
    FIRMWARE_NOT_FOUND = "FIRMWARE_NOT_FOUND"
    FIRMWARE_NOT_RELEASED = "FIRMWARE_NOT_RELEASED"
    FIRMWARE_VERSION_EXISTS = "FIRMWARE_VERSION_EXISTS"
    INVALID_FIRMWARE_VERSION = "INVALID_FIRMWARE_VERSION"
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"
    PRINTER_NOT_FOUND = "PRINTER_NOT_FOUND"
    PRINTER_NOT_CONNECTED = "PRINTER_NOT_CONNECTED"
    PRINTER_OUT_OF_PAPER = "PRINTER_OUT_OF_PAPER"
    PRINTER_HEAD_OPEN = "PRINTER_HEAD_OPEN"
    PRINTER_RIBBON_OUT = "PRINTER_RIBBON_OUT"
    PRINTER_PAUSED = "PRINTER_PAUSED"
    PRINTER_BUFFER_FULL = "PRINTER_BUFFER_FULL"
    PRINTER_NOT_RESPONDING = "PRINTER_NOT_RESPONDING"
    NO_PRINTER_ASSIGNED = "NO_PRINTER_ASSIGNED"
    INVALID_LABEL_DATA = "INVALID_LABEL_DATA"
    REASON_REQUIRED = "REASON_REQUIRED"
    UNAUTHORIZED = "UNAUTHORIZED"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"  # noqa: S105 - an error code, not a secret
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOKEN_REVOKED = "TOKEN_REVOKED"  # noqa: S105 - an error code, not a secret
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    CONFLICT = "CONFLICT"
    USER_EXISTS = "USER_EXISTS"
    USER_NOT_FOUND = "USER_NOT_FOUND"
    AUDIT_CHAIN_BROKEN = "AUDIT_CHAIN_BROKEN"
    AUDIT_ANCHOR_INTACT = "AUDIT_ANCHOR_INTACT"
    SELF_LOCKOUT = "SELF_LOCKOUT"
    LAST_ADMIN = "LAST_ADMIN"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    RANGE_NOT_SATISFIABLE = "RANGE_NOT_SATISFIABLE"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT"
    LOT_ON_HOLD = "LOT_ON_HOLD"
    NCR_NOT_FOUND = "NCR_NOT_FOUND"
    NCR_ALREADY_CLOSED = "NCR_ALREADY_CLOSED"
    REWORK_NOT_ALLOWED = "REWORK_NOT_ALLOWED"
    REWORK_LIMIT_REACHED = "REWORK_LIMIT_REACHED"
    INVALID_SCRAP = "INVALID_SCRAP"

    @property
    def http_status(self) -> int:
        return ERROR_INFO[self][0]

    @property
    def message_en(self) -> str:
        return ERROR_INFO[self][1]

    @property
    def message_ko(self) -> str:
        return ERROR_INFO[self][2]

    def message(self, lang: str | None = None) -> str:
        """Default message in `lang` ("ko" or "en"; anything else → English)."""
        return self.message_ko if (lang or DEFAULT_LANG) == "ko" else self.message_en


E = ErrorCode
#: code → (HTTP status, English message, Korean message)
ERROR_INFO: dict[ErrorCode, tuple[int, str, str]] = {
    E.LOT_NOT_FOUND: (404, "LOT not found", "LOT 번호가 존재하지 않습니다"),
    E.PREVIOUS_PROCESS_NOT_COMPLETED: (
        400,
        "The previous process is not completed",
        "이전 공정이 완료되지 않았습니다",
    ),
    E.DUPLICATE_START: (409, "The process is already started", "이미 착공된 공정입니다"),
    E.INVALID_PROCESS_SEQUENCE: (400, "Invalid process sequence", "잘못된 공정 순서입니다"),
    E.WORKER_NOT_FOUND: (404, "Worker not found", "작업자 ID가 없습니다"),
    E.PROCESS_NOT_STARTED: (409, "The process was not started", "착공되지 않은 공정입니다"),
    E.PROCESS_ALREADY_COMPLETED: (
        409,
        "The process is already completed with other data",
        "이미 다른 내용으로 완공된 공정입니다",
    ),
    E.PROCESS_NAME_MISMATCH: (
        400,
        "The process name does not match the routing",
        "공정명이 라우팅의 공정명과 일치하지 않습니다",
    ),
    E.TIME_OUT_OF_RANGE: (
        400,
        "A time is outside the accepted window",
        "시각이 허용 범위를 벗어났습니다",
    ),
    E.BEFORE_RECORDED_START: (
        409,
        "A completion time is before the recorded start",
        "완공 시각이 기록된 착공 시각보다 이릅니다",
    ),
    E.VALIDATION_ERROR: (400, "Invalid request data", "요청 데이터가 올바르지 않습니다"),
    E.MALFORMED_BODY: (
        400,
        "The request body is not well-formed JSON in UTF-8",
        "요청 본문이 올바른 UTF-8 JSON 형식이 아닙니다",
    ),
    E.MISSING_REQUIRED_FIELD: (400, "A required field is missing", "필수 항목이 누락되었습니다"),
    E.INVALID_PROCESS_DATA: (400, "Invalid process data", "공정 데이터가 올바르지 않습니다"),
    E.DUPLICATE_LOT_NUMBER: (409, "The LOT number already exists", "이미 존재하는 LOT 번호입니다"),
    E.LOT_NOT_IN_PROGRESS: (409, "The LOT is not in progress", "진행 중인 LOT이 아닙니다"),
    E.LOT_CLOSED: (409, "The LOT is closed", "마감된 LOT입니다"),
    E.LOT_HAS_OPEN_NCR: (
        409,
        "The LOT has an open non-conformance report: dispose of it, or force the close with a reason",
        "처분되지 않은 부적합 보고서(NCR)가 있어 LOT을 마감할 수 없습니다",
    ),
    E.LOT_HAS_OPEN_STEPS: (
        409,
        "A step of the LOT is still in progress: complete it, or force the close with a reason",
        "진행 중인 공정이 있어 LOT을 마감할 수 없습니다 (완공 후 마감하거나 사유와 함께 강제 마감)",
    ),
    E.INVALID_STATUS_TRANSITION: (
        409,
        "This status change is not allowed",
        "허용되지 않는 상태 변경입니다",
    ),
    E.SERIAL_NOT_FOUND: (404, "Serial number not found", "시리얼 번호가 존재하지 않습니다"),
    E.SERIALS_NOT_ALLOCATED: (
        409,
        "The LOT's serials are not allocated yet (label printing has not started)",
        "LOT의 시리얼이 아직 발급되지 않았습니다 (라벨 프린팅 착공 전)",
    ),
    E.PRODUCT_MODEL_NOT_FOUND: (404, "Product model not found", "제품 모델이 존재하지 않습니다"),
    E.PROCESS_NOT_FOUND: (404, "Process not found in the routing", "공정이 존재하지 않습니다"),
    E.NO_RELEASED_FIRMWARE: (409, "No firmware is released", "배포된 펌웨어가 없습니다"),
    E.FIRMWARE_NOT_FOUND: (404, "Firmware version not found", "펌웨어 버전이 존재하지 않습니다"),
    E.FIRMWARE_NOT_RELEASED: (
        403,
        "This firmware version is not released; only an admin may download it",
        "배포되지 않은 펌웨어 버전입니다 (관리자만 다운로드할 수 있습니다)",
    ),
    E.FIRMWARE_VERSION_EXISTS: (
        409,
        "The firmware version already exists",
        "이미 존재하는 펌웨어 버전입니다",
    ),
    E.INVALID_FIRMWARE_VERSION: (
        400,
        "Invalid firmware version (expected vX.Y.Z)",
        "펌웨어 버전 형식이 올바르지 않습니다 (vX.Y.Z)",
    ),
    E.CHECKSUM_MISMATCH: (400, "Checksum mismatch", "체크섬이 일치하지 않습니다"),
    E.PRINTER_NOT_FOUND: (404, "Printer not registered", "프린터 ID가 등록되지 않았습니다"),
    E.PRINTER_NOT_CONNECTED: (503, "Printer not connected", "프린터 연결 실패"),
    E.PRINTER_OUT_OF_PAPER: (503, "Printer out of paper", "용지 부족"),
    E.PRINTER_HEAD_OPEN: (503, "Printer head open", "프린터 헤드가 열려 있습니다"),
    E.PRINTER_RIBBON_OUT: (503, "Printer ribbon out", "리본이 없습니다"),
    E.PRINTER_PAUSED: (503, "Printer paused", "프린터가 일시 정지 상태입니다"),
    E.PRINTER_BUFFER_FULL: (503, "Printer buffer full", "프린터 버퍼가 가득 찼습니다"),
    E.PRINTER_NOT_RESPONDING: (503, "Printer not responding", "프린터가 응답하지 않습니다"),
    E.NO_PRINTER_ASSIGNED: (
        409,
        "No printer serves this label (no station printer and no default printer)",
        "이 라벨을 출력할 프린터가 없습니다 (작업장 프린터도 기본 프린터도 없음)",
    ),
    E.INVALID_LABEL_DATA: (400, "Invalid label data", "라벨 데이터 형식 오류"),
    E.REASON_REQUIRED: (400, "A reason is required", "사유를 입력해야 합니다"),
    E.UNAUTHORIZED: (401, "Authentication required", "인증이 필요합니다"),
    E.TOKEN_EXPIRED: (401, "Token expired", "토큰이 만료되었습니다"),
    E.INVALID_CREDENTIALS: (
        401,
        "Invalid user name or password",
        "아이디 또는 비밀번호가 올바르지 않습니다",
    ),
    E.TOKEN_REVOKED: (
        401,
        "The token was revoked; sign in again",
        "토큰이 폐기되었습니다. 다시 로그인하세요",
    ),
    E.FORBIDDEN: (403, "Permission denied", "권한이 없습니다"),
    E.NOT_FOUND: (404, "Not found", "찾을 수 없습니다"),
    E.METHOD_NOT_ALLOWED: (405, "Method not allowed", "허용되지 않는 메서드입니다"),
    E.CONFLICT: (409, "Conflict with the current state", "현재 상태와 충돌합니다"),
    E.USER_EXISTS: (409, "The user already exists", "이미 존재하는 사용자입니다"),
    E.USER_NOT_FOUND: (404, "User not found", "사용자가 존재하지 않습니다"),
    E.AUDIT_CHAIN_BROKEN: (
        409,
        "The audit chain is broken; re-anchoring cannot cover an edited or missing row",
        "감사 로그 체인이 손상되어 재고정할 수 없습니다",
    ),
    E.AUDIT_ANCHOR_INTACT: (
        409,
        "The audit chain matches its anchor; there is nothing to acknowledge",
        "감사 로그 체인이 고정점과 일치하여 재고정할 필요가 없습니다",
    ),
    E.SELF_LOCKOUT: (
        409,
        "You cannot deactivate or demote your own account",
        "자신의 계정은 비활성화하거나 권한을 낮출 수 없습니다",
    ),
    E.LAST_ADMIN: (
        409,
        "The last active admin cannot be deactivated or demoted",
        "마지막 활성 관리자는 비활성화하거나 권한을 낮출 수 없습니다",
    ),
    E.PAYLOAD_TOO_LARGE: (413, "Payload too large", "요청 크기가 너무 큽니다"),
    E.UNSUPPORTED_MEDIA_TYPE: (415, "Unsupported media type", "지원하지 않는 형식입니다"),
    E.RANGE_NOT_SATISFIABLE: (416, "Range not satisfiable", "요청한 범위가 올바르지 않습니다"),
    E.RATE_LIMITED: (429, "Too many requests", "요청이 너무 많습니다. 잠시 후 다시 시도하세요"),
    E.INTERNAL_ERROR: (500, "Internal error", "내부 오류가 발생했습니다"),
    E.SERVICE_UNAVAILABLE: (503, "Service unavailable", "서비스를 사용할 수 없습니다"),
    E.UPSTREAM_TIMEOUT: (504, "Upstream timeout", "응답 시간이 초과되었습니다"),
    E.LOT_ON_HOLD: (
        409,
        "The LOT is on hold after a failed check (non-conformance report)",
        "불합격으로 LOT이 보류 중입니다 (부적합 보고서)",
    ),
    E.NCR_NOT_FOUND: (404, "Non-conformance report not found", "부적합 보고서가 존재하지 않습니다"),
    E.NCR_ALREADY_CLOSED: (
        409,
        "The non-conformance report is already closed",
        "이미 종결된 부적합 보고서입니다",
    ),
    E.REWORK_NOT_ALLOWED: (
        400,
        "The routing does not allow rework from this step",
        "라우팅상 이 공정으로 재작업할 수 없습니다",
    ),
    E.REWORK_LIMIT_REACHED: (
        409,
        "The rework limit of this step is reached",
        "이 공정의 재작업 한도에 도달했습니다",
    ),
    E.INVALID_SCRAP: (
        400,
        "Invalid scrap quantity or serials",
        "폐기 수량 또는 시리얼이 올바르지 않습니다",
    ),
}
del E


class ErrorBody(BaseModel):
    """Body of every REST error response."""

    status: Literal["error"] = "error"
    message: str
    error_code: ErrorCode
    data: dict[str, Any] = Field(default_factory=dict)


T = TypeVar("T")


class SuccessBody(BaseModel, Generic[T]):
    """Body of every REST success response: `SuccessBody[ProcessStartData]`."""

    status: Literal["success"] = "success"
    message: str = ""
    data: T


class MesError(Exception):
    """A contract error: raise it anywhere, render it with `.status_code` / `.to_body()`.

    `message` replaces the default message in every language; `detail` is appended to
    the default one ("필수 항목이 누락되었습니다: process_data.tof_sensor").
    """

    def __init__(
        self,
        code: ErrorCode | str,
        message: str | None = None,
        data: dict[str, Any] | None = None,
        status: int | None = None,
        *,
        detail: str | None = None,
    ) -> None:
        self.code = ErrorCode(code)
        self.explicit_message = message
        self.detail = detail
        self.data: dict[str, Any] = dict(data or {})
        self.status_code = status if status is not None else self.code.http_status
        super().__init__(f"{self.code.value}: {self.message_in('en')}")

    def message_in(self, lang: str | None = None) -> str:
        if self.explicit_message is not None:
            return self.explicit_message
        base = self.code.message(lang)
        return f"{base}: {self.detail}" if self.detail else base

    @property
    def message(self) -> str:
        return self.message_in(DEFAULT_LANG)

    def to_error_body(self, lang: str | None = None) -> ErrorBody:
        return ErrorBody(message=self.message_in(lang), error_code=self.code, data=self.data)

    def to_body(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready `{"status": "error", "message", "error_code", "data"}`."""
        return self.to_error_body(lang).model_dump(mode="json")

    def __repr__(self) -> str:
        return f"MesError({self.code.value!r}, status={self.status_code}, data={self.data!r})"


def success_body(data: Any, message: str = "") -> dict[str, Any]:
    """JSON-ready success body around `data` (a model, dict or list)."""
    return SuccessBody[Any](message=message, data=data).model_dump(mode="json")
