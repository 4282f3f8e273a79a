"""The station's alerts in plain Korean and English, one line each (codes of ADR 0024;
a code this client does not know shows the MES's English message)."""

from __future__ import annotations

from typing import Any

from .events import AlertsStatus, StationAlert
from .messages import Names

PRINTER_STATES: dict[str, tuple[str, str]] = {
    "paper_out": ("용지 없음", "out of paper"),
    "head_open": ("헤드 열림", "head open"),
    "ribbon_out": ("리본 없음", "out of ribbon"),
    "not_connected": ("연결 안 됨", "not connected"),
    "not_responding": ("응답 없음", "not responding"),
    "paused": ("일시 정지", "paused"),
    "buffer_full": ("버퍼 가득 참", "buffer full"),
}


def _printer(p: dict[str, Any], subject: str) -> tuple[str, str]:
    printer = p.get("printer_id") or subject
    state = str(p.get("state") or "")
    ko, en = PRINTER_STATES.get(state, (state, state))
    return f"프린터 {printer} {ko}", f"Printer {printer}: {en}"


def _texts(a: StationAlert, names: Names) -> tuple[str, str] | None:
    p = a.params
    lot = p.get("lot_number") or a.subject_id
    if a.code.startswith("ALERT_PRINTER_"):
        return _printer(p, a.subject_id)
    if a.code == "ALERT_LABEL_FAILED":
        return f"LOT {lot} 라벨 출력 실패", f"LOT {lot}: labels not printed"
    if a.code == "ALERT_LABEL_QUEUED_TOO_LONG":
        minutes = f"{float(p.get('minutes') or 0):g}"
        return (
            f"LOT {lot} 라벨이 {minutes}분 넘게 출력 대기 중",
            f"LOT {lot}: labels waiting over {minutes} min",
        )
    if a.code == "ALERT_LOT_HELD":
        why = f" ({p['reason']})" if p.get("reason") else ""
        return f"LOT {lot} 보류 중{why}", f"LOT {lot} on hold{why}"
    if a.code == "ALERT_LOT_STALLED":
        pid = str(p.get("process_id") or "")
        ko, en = names(pid)
        idle = int(p.get("idle_minutes") or 0)
        return (
            f"LOT {lot} {ko} {idle}분째 진행 없음",
            f"LOT {lot} at {en}: no activity for {idle} min",
        )
    if a.code == "ALERT_DEFECT_RATE":
        pid = str(p.get("process_id") or a.subject_id)
        ko, en = names(pid)
        rate = f"{float(p.get('rate') or 0):.1%}"
        return f"{ko} 오늘 불량률 {rate}", f"{en}: {rate} defective today"
    return None


def alert_text(a: StationAlert, names: Names) -> str:
    texts = _texts(a, names)
    if texts is None:
        return f"알림 · Alert: {a.message or a.code}"
    return f"{texts[0]} · {texts[1]}"


def alert_line(status: AlertsStatus, names: Names) -> str:
    """Every alert on its own line, critical first; empty when there is none."""
    ordered = sorted(status.alerts, key=lambda a: a.severity != "critical")
    return "\n".join(f"⚠ {alert_text(a, names)}" for a in ordered)


def alert_tone(status: AlertsStatus) -> str:
    """error (a critical alert), wait (warnings only) or idle (none)."""
    if any(a.severity == "critical" for a in status.alerts):
        return "error"
    return "wait" if status.alerts else "idle"
