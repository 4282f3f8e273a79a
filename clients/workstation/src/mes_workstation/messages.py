"""What the worker reads: short, plain Korean and English for every outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mes_contracts.errors import ErrorCode

from .events import FileUpdate, FirmwareStatus, LabelStatus, QueueStatus, StartOutcome
from .file_errors import plain_file_error

Names = Callable[[str], tuple[str, str]]  # process id → (Korean, English) name

# What to do next, per error code (Korean, English); `data.required_action` wins.
ACTIONS: dict[str, tuple[str, str]] = {
    "LOT_NOT_FOUND": ("바코드를 확인하고 다시 스캔하세요", "Check the barcode and scan again"),
    "DUPLICATE_START": (
        "이 LOT은 이 공정에서 이미 착공되었습니다",
        "This LOT is already started here",
    ),
    "WORKER_NOT_FOUND": (
        "관리자에게 작업자 등록을 요청하세요",
        "Ask a manager to register the worker",
    ),
    "FORBIDDEN": ("본인 계정으로 로그인하세요", "Sign in with your own account"),
    "LOT_CLOSED": ("마감된 LOT입니다. 관리자에게 문의하세요", "The LOT is closed; ask a manager"),
    "NO_RELEASED_FIRMWARE": (
        "관리자에게 펌웨어 배포를 요청하세요",
        "Ask an admin to release firmware",
    ),
    "FIRMWARE_NOT_RELEASED": (
        "배포된 펌웨어만 받을 수 있습니다. 공정을 다시 착공하세요",
        "Only released firmware can be downloaded; start the process again",
    ),
    "UNAUTHORIZED": ("다시 로그인하세요", "Sign in again"),
    "INVALID_BARCODE": ("LOT 바코드를 스캔하세요", "Scan a LOT barcode"),
    "HANGUL_MODE": ("한/영 키를 눌러 영문으로 바꾸세요", "Press the 한/영 key: switch to English"),
}


@dataclass(frozen=True)
class Display:
    tone: str  # ok | error | wait | idle
    ko: str
    en: str
    detail_ko: str = ""
    detail_en: str = ""
    at: datetime | None = None  # when it happened (shown, so a stale answer is told apart)

    def summary(self) -> str:
        """One line for "before": time, Korean title, English title."""
        when = f"{self.at:%H:%M:%S}  " if self.at else ""
        return f"{when}{self.ko} · {self.en}"


LOCAL_ERRORS = {
    "INVALID_BARCODE": ("LOT 바코드가 아닙니다", "Not a LOT barcode"),
    "HANGUL_MODE": ("스캐너가 한글 모드입니다", "The scanner is typing Korean (한글 mode)"),
}


def error_texts(error: dict[str, Any]) -> tuple[str, str]:
    code = str(error.get("error_code") or "")
    if code in LOCAL_ERRORS:
        return LOCAL_ERRORS[code]
    try:
        known = ErrorCode(code)
    except ValueError:
        message = str(error.get("message") or code)
        return message, message
    return known.message("ko"), known.message("en")


def action_texts(error: dict[str, Any], names: Names) -> tuple[str, str]:
    code = str(error.get("error_code") or "")
    data = error.get("data") or {}
    ko, en = ACTIONS.get(code, ("", ""))
    if code == "PREVIOUS_PROCESS_NOT_COMPLETED" and data.get("previous_process_id"):
        pid = str(data["previous_process_id"])
        name_ko, name_en = names(pid)
        ko, en = f"{name_ko} 공정을 먼저 완료해주세요", f"Complete {pid} {name_en} first"
    elif code == "LOT_ON_HOLD":
        return _hold_texts(data, names)
    elif code == "INVALID_PROCESS_SEQUENCE":
        later = ", ".join(data.get("already_started") or [])
        en = f"A later process was already started ({later})"
    if data.get("required_action"):
        ko = str(data["required_action"])
    return ko, en


def _hold_texts(data: dict[str, Any], names: Names) -> tuple[str, str]:
    """A held LOT (ADR 0023), in plain words: which step failed, its NCR, and what now."""
    failed = str(data.get("failed_process_id") or "")
    ncr = str(data.get("ncr_number") or "")
    name_ko, name_en = names(failed) if failed else ("", "")
    if data.get("hold_phase") == "REWORK" and data.get("rework_from"):
        again = str(data["rework_from"])
        again_ko, again_en = names(again)
        return (
            f"재작업 중 ({ncr}): {again_ko} 공정부터 다시 작업하세요",
            f"In rework ({ncr}): redo from {again} {again_en}",
        )
    return (
        f"{name_ko} 불합격으로 보류 중입니다 ({ncr}). 품질 담당자의 처분을 기다리세요",
        f"On hold: {failed} {name_en} failed ({ncr}). Wait for quality's disposition",
    )


def start_display(outcome: StartOutcome, names: Names) -> Display:
    name_ko, name_en = names(outcome.process_id)
    lot = outcome.lot_number
    at = outcome.at
    if outcome.state == "sending":
        return Display("wait", "전송 중…", "Sending…", f"LOT {lot}", f"LOT {lot}", at)
    if outcome.state == "queued":
        return Display(
            "wait",
            "오프라인: 착공이 저장되었습니다",
            "Offline: start saved",
            f"LOT {lot} · 연결되면 자동 전송합니다",
            f"LOT {lot} · sent automatically when the MES is back",
            at,
        )
    if outcome.state in ("started", "already_started"):
        order = str((outcome.data or {}).get("work_order_id") or "")
        title_ko = "착공 완료" if outcome.state == "started" else "이미 착공됨"
        title_en = "Started" if outcome.state == "started" else "Already started"
        return Display(
            "ok",
            f"{title_ko}: {name_ko}",
            f"{title_en}: {name_en}",
            f"LOT {lot} · 작업지시 {order}",
            f"LOT {lot} · work order {order}",
            at,
        )
    error = outcome.error or {}
    ko, en = error_texts(error)
    action_ko, action_en = action_texts(error, names)
    where = f"LOT {lot}" if lot else ""
    return Display(
        "error",
        ko,
        en,
        " · ".join(t for t in (where, action_ko) if t),
        " · ".join(t for t in (where, action_en) if t),
        at,
    )


FILE_STATES = {"queued": "전송 대기 queued", "completed": "완료 completed", "error": "오류 error"}
VERDICTS = {"PASS": "PASS 합격", "FAIL": "FAIL 불합격"}


def file_tone(update: FileUpdate) -> str:
    """ok (green) only for a PASS; a FAIL or a refusal is red, waiting is amber."""
    if update.state == "completed":
        return "ok" if update.result == "PASS" else "error"
    return "error" if update.state == "error" else "wait"


def file_error_texts(update: FileUpdate) -> tuple[str, str]:
    return plain_file_error(update.error_code, update.error_data)


def file_line(update: FileUpdate) -> str:
    state = FILE_STATES.get(update.state, update.state)
    extra = ""
    if update.state == "completed":
        verdict = VERDICTS.get(str(update.result), str(update.result))
        extra = f" · {verdict}" + (" (already recorded)" if update.already_recorded else "")
        if update.failed_checks:
            extra += f" · {', '.join(update.failed_checks)}"
    elif update.state == "error":
        ko, en = file_error_texts(update)
        extra = f" · {ko} / {en}"
    elif update.reason:
        extra = f" · {update.reason}"
    return f"{update.at:%H:%M:%S}  {update.name}  →  {state}{extra}"


def file_display(update: FileUpdate) -> Display:
    """The big panel for a completion file's latest state."""
    where = " · ".join(
        t for t in (update.lot_number and f"LOT {update.lot_number}", update.process_id) if t
    )
    if update.state == "completed" and update.result == "PASS":
        return Display(
            "ok", "완공 기록: 합격 PASS", "Completion recorded: PASS", where, where, update.at
        )
    if update.state == "completed":
        checks = ", ".join(update.failed_checks)
        return Display(
            "error",
            "완공 기록: 불합격 FAIL",
            "Completion recorded: FAIL (defect)",
            " · ".join(
                t for t in (where, checks and f"불량 항목 {checks}", "불량품을 분리하세요") if t
            ),
            " · ".join(
                t for t in (where, checks and f"failed checks {checks}", "set the unit aside") if t
            ),
            update.at,
        )
    if update.state == "error":
        ko, en = file_error_texts(update)
        return Display(
            "error",
            "완공 파일 오류",
            "Completion file refused",
            ko,
            f"{en}\n{update.name}",
            update.at,
        )
    return Display(
        "wait",
        "완공 파일 전송 중",
        "Sending the completion file",
        where or update.name,
        update.reason or "",
        update.at,
    )


def queue_line(status: QueueStatus) -> str:
    if status.needs_login:
        return f"로그인 필요 · sign in again — 대기 {status.waiting} waiting"
    if not status.online:
        retry = f", retry in {status.retry_in:.0f} s" if status.retry_in is not None else ""
        return f"오프라인 OFFLINE — 대기 {status.waiting} waiting{retry}"
    return f"온라인 ONLINE — 대기 {status.waiting} waiting"


def firmware_line(status: FirmwareStatus) -> str:
    version = f" {status.version}" if status.version else ""
    words = {
        "NONE": "없음 none",
        "DOWNLOADING": "다운로드 중 downloading",
        "READY": "준비 완료 READY",
        "ERROR": "오류 ERROR",
        "UPLOADING": "업로드 중 UPLOADING",
        "UPLOADED": "업로드 완료 UPLOADED",
    }
    text = f"펌웨어 firmware{version}: {words.get(status.state, status.state)}"
    return f"{text} · {status.message}" if status.message else text


def label_line(status: LabelStatus) -> str:
    if status.state == "unavailable":
        return f"라벨 프린터 사용 불가 · labels unavailable ({status.message})"
    return f"라벨 labels: 출력 {status.printed} printed · 실패 {status.failed} failed"
