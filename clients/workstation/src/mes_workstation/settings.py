"""Station settings, kept in one JSON file per station PC.

Where: `--config PATH`, else `$MES_WORKSTATION_CONFIG`, else `%APPDATA%\\Withforce\\
mes-workstation.json` on Windows and `~/.config/withforce/mes-workstation.json` elsewhere.
Unknown keys are ignored and missing ones take their defaults, so an old file still loads.

A broken file never stops the app (ADR 0017): every good load and every save keeps a copy
(`<file>.last-good`); a file that cannot be read starts from that copy, or from the
defaults, and a value that breaks its rule (`settings_checks`) is taken from the copy or
the defaults; `LoadedSettings.notice` then says so, for the banner.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .settings_checks import LABELS, Problem, field_problem, work_dir_problem
from .workdir import write_json_atomic

log = logging.getLogger(__name__)


def default_work_dir() -> Path:
    """`C:\\neurohub_work` on Windows (seed 002 §3.4.2), `~/neurohub_work` elsewhere."""
    if sys.platform == "win32":
        return Path("C:/neurohub_work")
    return Path.home() / "neurohub_work"


def default_config_path() -> Path:
    env = os.environ.get("MES_WORKSTATION_CONFIG")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "withforce" / "mes-workstation.json"


def last_good_path(path: Path) -> Path:
    return path.with_name(path.name + ".last-good")


@dataclass
class Settings:
    gateway_url: str = "http://127.0.0.1:8000"
    station_id: str = "ST-01"
    process_id: str = "PROC-001"
    work_dir: Path = field(default_factory=default_work_dir)
    #: Serial port of the station's label printer (COM3, /dev/ttyUSB0, socket://host:port);
    #: empty = use the port registered for the printer in label-service.
    printer_port: str = ""
    printer_baudrate: int = 9600
    #: Poll label-service for this station's serial-printer jobs.
    label_printing: bool = True
    label_poll_seconds: float = 3.0
    #: Poll the MES for the alerts of this station's process, LOT and printers (ADR 0024).
    alert_poll_seconds: float = 30.0
    last_username: str = ""
    #: Offline queue: first retry after `retry_base_seconds`, doubling up to the cap.
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 30.0
    request_timeout_seconds: float = 10.0
    #: Salted hash of the station admin PIN (`pin.hash_pin`); empty = the default PIN.
    admin_pin_hash: str = ""
    #: Keys this close together (ms) ending in Enter are a scanner, wherever the focus is.
    scan_gap_ms: int = 50

    def validate(self) -> list[Problem]:
        """Problems that make the settings unusable (empty list when fine)."""
        problems = [p for f in fields(self) if (p := field_problem(f.name, getattr(self, f.name)))]
        bad = {p.field for p in problems}
        if (
            not bad & {"retry_base_seconds", "retry_max_seconds"}
            and self.retry_max_seconds < self.retry_base_seconds
        ):
            problems.append(
                Problem(
                    "retry_max_seconds",
                    "첫 대기보다 짧을 수 없습니다",
                    "cannot be shorter than the first retry",
                )
            )
        return problems

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["work_dir"] = str(self.work_dir)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        """The known keys as they are (not checked: call `validate()`)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if isinstance(values.get("work_dir"), str) and values["work_dir"].strip():
            values["work_dir"] = Path(values["work_dir"])
        return cls(**values)


@dataclass(frozen=True)
class ConfigNotice:
    """For the banner: what was wrong with the settings file and what the app did."""

    ko: str
    en: str
    detail: str = ""


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    notice: ConfigNotice | None = None


class _Unreadable(Exception):
    pass


def _read(path: Path) -> Settings:
    """The file's settings, unchecked; `_Unreadable` when it is not a JSON object."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _Unreadable(f"{type(exc).__name__}: {exc}") from None
    if not isinstance(data, dict):
        raise _Unreadable(f"not a JSON object but {type(data).__name__}")
    try:
        return Settings.from_json(data)
    except TypeError as exc:
        raise _Unreadable(str(exc)) from None


def _clean_last_good(path: Path) -> Settings | None:
    try:
        settings = _read(last_good_path(path))
    except _Unreadable:
        return None
    return None if settings.validate() else settings


def _keep_copy(settings: Settings, path: Path) -> None:
    try:
        write_json_atomic(last_good_path(path), settings.to_json())
    except OSError as exc:
        log.warning("could not keep a copy of the settings: %s", exc)


def _keep_broken(path: Path) -> None:
    try:
        shutil.copyfile(path, path.with_name(path.name + ".broken"))
    except OSError as exc:
        log.warning("could not keep the broken settings file: %s", exc)


def load_settings(path: Path | None = None) -> LoadedSettings:
    """The station's settings; never raises for a broken or invalid file (module doc)."""
    path = path or default_config_path()
    if not path.exists():
        return LoadedSettings(Settings())
    fallback = _clean_last_good(path)
    source_ko, source_en = (
        ("마지막 정상 설정", "the last good settings")
        if fallback
        else ("기본 설정", "the default settings")
    )
    try:
        settings = _read(path)
    except _Unreadable as exc:
        log.error("settings file %s unreadable (%s); using %s", path, exc, source_en)
        _keep_broken(path)
        return LoadedSettings(
            fallback or Settings(),
            ConfigNotice(
                f"설정 파일을 읽을 수 없어 {source_ko}으로 시작했습니다. 관리자는 설정을 확인하고 저장하세요",
                f"The settings file could not be read: started with {source_en}. An admin should check Settings and save",
                f"{path}: {exc}",
            ),
        )
    problems = settings.validate()
    if not problems and (unusable := work_dir_problem(settings.work_dir, create=True)):
        problems = [unusable]  # e.g. a drive this PC does not have
    if not problems:
        _keep_copy(settings, path)
        return LoadedSettings(settings)
    base = fallback or Settings()
    bad = sorted({p.field for p in problems})
    repaired = replace(settings, **{name: getattr(base, name) for name in bad})
    if repaired.validate():  # e.g. retry_max < retry_base across the two sources
        repaired = base
    log.error("settings file %s has invalid values (%s); using %s", path, bad, source_en)
    _keep_broken(path)
    names_ko = ", ".join(LABELS.get(n, (n, n))[0] for n in bad)
    names_en = ", ".join(LABELS.get(n, (n, n))[1] for n in bad)
    return LoadedSettings(
        repaired,
        ConfigNotice(
            f"설정 파일의 잘못된 값({names_ko})을 {source_ko} 값으로 바꿔 시작했습니다. 관리자는 설정을 확인하고 저장하세요",
            f"Invalid values in the settings file ({names_en}) were replaced with {source_en}. An admin should check Settings and save",
            "; ".join(str(p) for p in problems),
        ),
    )


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the file (atomically) and its last-good copy; refuses invalid settings."""
    problems = settings.validate()
    if problems:
        raise ValueError("; ".join(str(p) for p in problems))
    path = path or default_config_path()
    write_json_atomic(path, settings.to_json())
    _keep_copy(settings, path)
    return path
