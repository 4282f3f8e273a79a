"""A broken or invalid settings file never stops the app: it starts from the last good
copy, or from the defaults, and says so (the banner's words)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mes_workstation.settings import (
    Settings,
    last_good_path,
    load_settings,
    save_settings,
)

pytestmark = pytest.mark.unit

BAD_URL = "http://127.0.0.1:38080WF-KR-261202N-010"


def good(tmp_path: Path) -> Settings:
    return Settings(
        gateway_url="http://10.0.0.5:8000",
        station_id="ST-03",
        process_id="PROC-003",
        work_dir=tmp_path / "work",
    )


def test_each_good_load_and_save_keeps_a_last_good_copy(tmp_path: Path) -> None:
    path = tmp_path / "mes-workstation.json"
    save_settings(good(tmp_path), path)
    copy = last_good_path(path)
    assert copy.name == "mes-workstation.json.last-good"
    assert json.loads(copy.read_text("utf-8")) == good(tmp_path).to_json()
    copy.unlink()
    loaded = load_settings(path)
    assert loaded.notice is None and loaded.settings == good(tmp_path)
    assert copy.exists()  # a good start keeps the copy too


def test_garbage_bytes_start_from_the_last_good_copy(tmp_path: Path) -> None:
    path = tmp_path / "mes-workstation.json"
    save_settings(good(tmp_path), path)
    path.write_bytes(b"\x00\xff\xfe{garbage\x81")
    loaded = load_settings(path)
    assert loaded.settings == good(tmp_path)
    assert loaded.notice is not None
    assert loaded.notice.ko.startswith("설정 파일을 읽을 수 없어 마지막 정상 설정으로 시작했습니다")
    assert loaded.notice.en.startswith(
        "The settings file could not be read: started with the last good settings"
    )
    assert "UnicodeDecodeError" in loaded.notice.detail
    assert path.with_name(path.name + ".broken").read_bytes() == b"\x00\xff\xfe{garbage\x81"
    assert path.read_bytes() == b"\x00\xff\xfe{garbage\x81"  # left for an admin to look at


def test_without_a_copy_a_broken_file_starts_from_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "mes-workstation.json"
    for broken in (b"", b"{", b"[1, 2]", b'"text"', b"null"):
        path.write_bytes(broken)
        loaded = load_settings(path)
        assert loaded.settings == Settings(), broken
        assert loaded.notice is not None
        assert "기본 설정으로 시작했습니다" in loaded.notice.ko
        assert "started with the default settings" in loaded.notice.en


def test_invalid_values_are_replaced_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "mes-workstation.json"
    save_settings(good(tmp_path), path)
    data = good(tmp_path).to_json() | {
        "gateway_url": BAD_URL,  # a scan glued onto the address
        "station_id": "ST-09",  # valid: kept
        "printer_baudrate": "fast",
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.settings == Settings(
        **{**good(tmp_path).__dict__, "station_id": "ST-09"}
    )  # the URL and the baud rate from the copy, the rest from the file
    assert loaded.notice is not None
    assert "잘못된 값(MES 주소, 통신 속도)" in loaded.notice.ko
    assert "(Gateway URL, Baud rate) were replaced with the last good settings" in (
        loaded.notice.en
    )
    assert "port must be a number" in loaded.notice.detail


def test_invalid_values_without_a_copy_take_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "mes-workstation.json"
    work = tmp_path / "work"
    path.write_text(
        json.dumps({"gateway_url": BAD_URL, "station_id": "ST-04", "work_dir": str(work)}),
        encoding="utf-8",
    )
    loaded = load_settings(path)
    assert loaded.settings == Settings(station_id="ST-04", work_dir=work)
    assert loaded.notice is not None and "default settings" in loaded.notice.en
    # Saving good settings (from the Settings dialog) ends it.
    save_settings(loaded.settings, path)
    assert load_settings(path).notice is None


def test_a_work_folder_this_pc_cannot_make_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "mes-workstation.json"
    (tmp_path / "a-file").write_text("x")
    path.write_text(json.dumps({"work_dir": str(tmp_path / "a-file" / "work")}), "utf-8")
    loaded = load_settings(path)
    assert loaded.settings.work_dir == Settings().work_dir
    assert loaded.notice is not None and "Work folder" in loaded.notice.en
