"""What a setting may be: one rule per key, each answering in Korean and English.

Used before Settings are saved and when the file is read (a value that breaks its rule
is not used: ADR 0017). Pure functions, no Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mes_contracts.identifiers import is_process_id

from .pin import is_pin_hash

LABELS: dict[str, tuple[str, str]] = {
    "gateway_url": ("MES 주소", "Gateway URL"),
    "station_id": ("작업장 ID", "Station id"),
    "process_id": ("공정", "Process"),
    "work_dir": ("작업 폴더", "Work folder"),
    "printer_port": ("프린터 포트", "Printer port"),
    "printer_baudrate": ("통신 속도", "Baud rate"),
    "label_printing": ("시리얼 라벨 출력", "Print serial labels"),
    "label_poll_seconds": ("라벨 확인 주기(초)", "Label poll (s)"),
    "alert_poll_seconds": ("알림 확인 주기(초)", "Alert poll (s)"),
    "last_username": ("마지막 아이디", "Last user name"),
    "retry_base_seconds": ("재전송 첫 대기(초)", "First retry (s)"),
    "retry_max_seconds": ("재전송 최대 대기(초)", "Longest retry (s)"),
    "request_timeout_seconds": ("응답 대기(초)", "Request timeout (s)"),
    "admin_pin_hash": ("관리자 PIN", "Admin PIN"),
    "scan_gap_ms": ("스캐너 글자 간격(ms)", "Scanner key gap (ms)"),
}
#: Numbers: (low, high); ints are whole numbers (a JSON `true` is not a number).
RANGES: dict[str, tuple[float, float]] = {
    "printer_baudrate": (300, 921_600),
    "label_poll_seconds": (0.5, 60),
    "alert_poll_seconds": (1, 600),
    "retry_base_seconds": (0.1, 60),
    "retry_max_seconds": (1, 3_600),
    "request_timeout_seconds": (1, 120),
    "scan_gap_ms": (10, 200),
}
INTEGERS = frozenset({"printer_baudrate", "scan_gap_ms"})
STATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
PRINTER_PORT = re.compile(
    r"^(COM[1-9][0-9]{0,2}|\\\\\.\\COM[1-9][0-9]{0,2}|/dev/[A-Za-z0-9._/-]+"
    r"|(socket|rfc2217)://[A-Za-z0-9.-]+:[0-9]{1,5})$",
    re.IGNORECASE,
)
URL_EXAMPLE = "http://192.168.0.10:8000"


@dataclass(frozen=True)
class Problem:
    """Why one setting cannot be used."""

    field: str
    ko: str
    en: str

    def __str__(self) -> str:
        label_ko, label_en = LABELS.get(self.field, (self.field, self.field))
        return f"{label_ko}: {self.ko} · {label_en}: {self.en}"


def _p(field: str, ko: str, en: str) -> Problem:
    return Problem(field, ko, en)


def gateway_url_problem(url: Any) -> Problem | None:
    """`http(s)://host[:port]`, nothing after it (a scanned barcode glued on is refused)."""
    f = "gateway_url"
    if not isinstance(url, str) or not url.strip():
        return _p(
            f, f"주소를 입력하세요 (예: {URL_EXAMPLE})", f"enter the address (e.g. {URL_EXAMPLE})"
        )
    text = url.strip()
    if any(ch.isspace() for ch in text) or not text.isascii():
        return _p(
            f, "주소에 공백이나 한글이 있습니다", "the address has spaces or non-Latin letters"
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return _p(
            f,
            f"포트는 1~65535 숫자여야 합니다 (예: {URL_EXAMPLE})",
            f"the port must be a number 1–65535 (e.g. {URL_EXAMPLE})",
        )
    if parts.scheme not in ("http", "https"):
        return _p(
            f, "http:// 또는 https:// 로 시작해야 합니다", "must start with http:// or https://"
        )
    host = parts.hostname or ""
    ipv6 = parts.netloc.startswith("[")
    if not host or not (ipv6 or all(HOST_LABEL.match(label) for label in host.split("."))):
        return _p(f, "호스트 이름이 올바르지 않습니다", "the host name is not valid")
    if port == 0:
        return _p(f, "포트는 1~65535 숫자여야 합니다", "the port must be a number 1–65535")
    if parts.username or parts.password:
        return _p(f, "주소에 사용자 정보를 넣지 마세요", "no user name or password in the address")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in text or "#" in text:
        return _p(
            f,
            "주소 뒤에 다른 글자가 붙어 있습니다 (경로 없이 주소:포트만)",
            "something follows the address (host and port only, no path)",
        )
    return None


def work_dir_problem(path: Any, *, create: bool = False) -> Problem | None:
    """An absolute folder (not a file); with `create`, one this PC can make and write."""
    f = "work_dir"
    if not isinstance(path, str | Path) or not str(path).strip():
        return _p(f, "폴더를 지정하세요", "choose a folder")
    folder = Path(path)
    if not folder.is_absolute():
        return _p(
            f,
            "전체 경로여야 합니다 (예: C:\\neurohub_work)",
            "must be a full path (e.g. C:\\neurohub_work)",
        )
    if folder.exists() and not folder.is_dir():
        return _p(f, "폴더가 아니라 파일입니다", "this is a file, not a folder")
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".mes-write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            return _p(
                f,
                f"폴더를 만들거나 쓸 수 없습니다 ({exc.strerror})",
                f"cannot create or write it ({exc.strerror})",
            )
    return None


def _number_problem(field: str, value: Any) -> Problem | None:
    low, high = RANGES[field]
    whole = field in INTEGERS
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (whole and not isinstance(value, int))
    ):
        kind_ko, kind_en = ("정수", "a whole number") if whole else ("숫자", "a number")
        return _p(field, f"{kind_ko}여야 합니다", f"must be {kind_en}")
    if not low <= value <= high:
        return _p(
            field, f"{low:g}~{high:g} 사이여야 합니다", f"must be between {low:g} and {high:g}"
        )
    return None


def field_problem(field: str, value: Any) -> Problem | None:
    """The problem with one setting's value, or None."""
    if field == "gateway_url":
        return gateway_url_problem(value)
    if field == "work_dir":
        return work_dir_problem(value)
    if field in RANGES:
        return _number_problem(field, value)
    if field == "label_printing":
        return (
            None
            if isinstance(value, bool)
            else _p(field, "true/false 여야 합니다", "must be true or false")
        )
    if not isinstance(value, str):
        return _p(field, "글자여야 합니다", "must be text")
    if field == "station_id" and not STATION_ID.match(value):
        return _p(
            field,
            "영문·숫자·-·_ 로 1~64자 (예: ST-01)",
            "1–64 letters, digits, - or _ (e.g. ST-01)",
        )
    if field == "process_id" and not is_process_id(value):
        return _p(field, f"{value!r}는 PROC-NNN 형식이 아닙니다", f"{value!r} is not PROC-NNN")
    if field == "printer_port" and value and not PRINTER_PORT.match(value):
        return _p(
            field,
            "COM3, /dev/ttyUSB0, socket://호스트:포트 형식이어야 합니다 (비우면 MES 등록값)",
            "must look like COM3, /dev/ttyUSB0 or socket://host:port (empty = as registered)",
        )
    if field == "admin_pin_hash" and value and not is_pin_hash(value):
        return _p(field, "저장된 PIN 값이 손상되었습니다", "the stored PIN is damaged")
    if field == "last_username" and len(value) > 64:
        return _p(field, "64자 이하여야 합니다", "must be at most 64 characters")
    return None
