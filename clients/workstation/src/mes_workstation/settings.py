"""Station settings, kept in one JSON file per station PC.

Where: `--config PATH`, else `$MES_WORKSTATION_CONFIG`, else `%APPDATA%\\Withforce\\
mes-workstation.json` on Windows and `~/.config/withforce/mes-workstation.json` elsewhere.
Unknown keys are ignored and missing ones take their defaults, so an old file still loads.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from mes_contracts.identifiers import is_process_id

from .workdir import write_json_atomic


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
    last_username: str = ""
    #: Offline queue: first retry after `retry_base_seconds`, doubling up to the cap.
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 30.0
    request_timeout_seconds: float = 10.0

    def validate(self) -> list[str]:
        """Problems that make the settings unusable (empty list when fine)."""
        problems = []
        if not self.gateway_url.startswith(("http://", "https://")):
            problems.append("gateway URL must start with http:// or https://")
        if not is_process_id(self.process_id):
            problems.append(f"process id {self.process_id!r} is not PROC-NNN")
        if not self.station_id.strip():
            problems.append("station id is empty")
        return problems

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["work_dir"] = str(self.work_dir)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "work_dir" in values:
            values["work_dir"] = Path(values["work_dir"])
        return cls(**values)


def load_settings(path: Path | None = None) -> Settings:
    path = path or default_config_path()
    if not path.exists():
        return Settings()
    return Settings.from_json(json.loads(path.read_text(encoding="utf-8")))


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    path = path or default_config_path()
    write_json_atomic(path, settings.to_json())
    return path
