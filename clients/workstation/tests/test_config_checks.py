"""Settings are checked before they are saved and when they are read: the URL's shape,
numbers in range, paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from mes_workstation.pin import hash_pin
from mes_workstation.settings import Settings, save_settings
from mes_workstation.settings_checks import field_problem, gateway_url_problem, work_dir_problem

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "https://mes.factory.local",
        "http://mes-gw:38080/",
        "http://[::1]:8000",
        "HTTP://MES.LOCAL:80",
    ],
)
def test_gateway_urls_that_are_fine(url: str) -> None:
    assert gateway_url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:38080WF-KR-261202N-010", "the port must be a number 1–65535"),
        ("http://127.0.0.1:99999", "the port must be a number 1–65535"),
        ("http://127.0.0.1:0", "the port must be a number 1–65535"),
        ("http://127.0.0.1:8000WF-KR-261202N-010/x", "the port must be a number 1–65535"),
        ("http://127.0.0.1:8000/WF-KR-261202N-010", "something follows the address"),
        ("http://127.0.0.1:8000?x=1", "something follows the address"),
        ("http://127.0.0.1:8000#top", "something follows the address"),
        ("mes.local:8000", "must start with http:// or https://"),
        ("ftp://mes.local", "must start with http:// or https://"),
        ("http://", "the host name is not valid"),
        ("http://mes_gw:8000", "the host name is not valid"),
        ("http://-mes:8000", "the host name is not valid"),
        ("http://admin:pw@mes:8000", "no user name or password"),
        ("http://mes local:8000", "the address has spaces"),
        ("http://ㅈㄹ:8000", "the address has spaces or non-Latin letters"),
        ("", "enter the address"),
        (8000, "enter the address"),
    ],
)
def test_gateway_urls_that_are_refused_say_why(url: object, why: str) -> None:
    problem = gateway_url_problem(url)
    assert problem is not None and problem.field == "gateway_url"
    assert problem.en.startswith(why), problem.en
    assert problem.ko


def test_numbers_must_be_numbers_in_range() -> None:
    assert field_problem("printer_baudrate", 9600) is None
    assert field_problem("printer_baudrate", 12).en == "must be between 300 and 921600"
    assert field_problem("printer_baudrate", 9600.5).en == "must be a whole number"
    assert field_problem("printer_baudrate", True).en == "must be a whole number"
    assert field_problem("request_timeout_seconds", "10").en == "must be a number"
    assert field_problem("request_timeout_seconds", 0).en == "must be between 1 and 120"
    assert field_problem("label_poll_seconds", 0.5) is None
    assert field_problem("scan_gap_ms", 5).ko == "10~200 사이여야 합니다"
    assert field_problem("label_printing", "yes").en == "must be true or false"
    problems = Settings(retry_base_seconds=20, retry_max_seconds=10).validate()
    assert [(p.field, p.en) for p in problems] == [
        ("retry_max_seconds", "cannot be shorter than the first retry")
    ]


def test_ids_ports_and_the_pin_hash() -> None:
    assert field_problem("station_id", "ST-01") is None
    assert field_problem("station_id", "ST 01") is not None
    assert field_problem("station_id", "") is not None
    for port in ("", "COM3", "com12", "/dev/ttyUSB0", "socket://127.0.0.1:9107", r"\\.\COM10"):
        assert field_problem("printer_port", port) is None, port
    for port in ("COM", "WF-KR-251110D-001", "socket://host", "/dev/tty USB0"):
        assert field_problem("printer_port", port) is not None, port
    assert field_problem("admin_pin_hash", "") is None
    assert field_problem("admin_pin_hash", hash_pin("482915", iterations=1_000)) is None
    assert field_problem("admin_pin_hash", "482915").en == "the stored PIN is damaged"


def test_work_folders_are_absolute_folders_that_can_be_written(tmp_path: Path) -> None:
    assert work_dir_problem(tmp_path / "new" / "work", create=True) is None
    assert (tmp_path / "new" / "work").is_dir()
    assert work_dir_problem("neurohub_work").en.startswith("must be a full path")
    (tmp_path / "file").write_text("x")
    assert work_dir_problem(tmp_path / "file").en == "this is a file, not a folder"
    assert work_dir_problem(tmp_path / "file" / "below", create=True).en.startswith(
        "cannot create or write it"
    )
    assert work_dir_problem("").en == "choose a folder"


def test_invalid_settings_are_never_written(tmp_path: Path) -> None:
    path = tmp_path / "mes-workstation.json"
    with pytest.raises(ValueError, match="port must be a number"):
        save_settings(Settings(gateway_url="http://127.0.0.1:38080WF-KR-261202N-010"), path)
    assert not path.exists()
