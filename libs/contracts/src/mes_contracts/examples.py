"""One example payload per event type: documentation (docs/events.md, AsyncAPI) and tests."""

from __future__ import annotations

from typing import Any

from mes_contracts import events as ev

_LOT = "WF-KR-251110D-001"
_T0 = "2025-11-10T09:00:00+09:00"
_T1 = "2025-11-10T09:15:00+09:00"
_MD5 = "5d41402abc4b2a76b9719d911017c592"
_SHA = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
_FW = {
    "version": "v1.2.3",
    "filename": "firmware_v1.2.3.bin",
    "file_size": 65536,
    "md5_hash": _MD5,
    "sha256": _SHA,
    "target_mcu": "STM32F103",
    "release_notes": "Temperature loop tuning",
}
_USER = {"username": "kim.w001", "display_name": "김작업", "role": "worker", "worker_id": "W001"}
_PRINTER = {
    "printer_id": "PRINTER-07",
    "name": "Line 1 serial labels",
    "model": "Zebra ZT410",
    "language": "ZPL",
    "transport": "TCP",
    "host": "10.0.7.21",
    "port": 9100,
    "dpi": 203,
    "station_id": "ST-07",
    "purpose": "SERIAL",
}
_NCR = {"ncr_number": "NCR-251110-001", "lot_number": _LOT, "process_id": "PROC-003"}
_DEFECT = {
    "check": "temp_sensor",
    "measured": 62.4,
    "target": 60.0,
    "tolerance": 1.0,
    "lower_limit": 59.0,
    "upper_limit": 61.0,
    "unit": "°C",
    "message": "Temperature: 62.4 °C, spec 60.0 ± 1.0 °C",
}
_STEP = {
    "work_order_id": "WO-20251110-003",
    "lot_number": _LOT,
    "product_model": "WF",
    "process_id": "PROC-003",
    "process_name": "센서 검사",
    "sequence_number": 3,
    "worker_id": "W001",
    "start_time": _T0,
}
_LABEL = {
    "job_id": "LJ-000123",
    "label_type": "SERIAL",
    "lot_number": _LOT,
    "serial_number": f"{_LOT}-0001",
    "printer_id": "PRINTER-07",
    "attempt": 1,
    "reprint": False,
}

_ALERT = {
    "alert_id": "42",
    "rule": "printer.paper_out",
    "condition_key": "printer:PRINTER-07:paper_out",
    "severity": "critical",
    "subject_type": "printer",
    "subject_id": "PRINTER-07",
    "code": "ALERT_PRINTER_PAPER_OUT",
    "params": {"printer_id": "PRINTER-07"},
    "message": "Printer PRINTER-07 is out of paper",
}

_BATCH_LABEL = {k: v for k, v in _LABEL.items() if k != "lot_number"} | {"job_id": "123"}
_PAPER_OUT = {
    "error_code": "PRINTER_OUT_OF_PAPER",
    "message": "paper out (~HS string 1, field 2)",
    "will_retry": True,
}

EXAMPLES: dict[str, dict[str, Any]] = {
    ev.LOT_CREATED: {
        "lot_number": _LOT,
        "product_model": "WF",
        "factory": "KR",
        "production_date": "2025-11-10",
        "shift": "D",
        "sequence": 1,
        "target_quantity": 100,
        "status": "CREATED",
        "created_at": "2025-11-10T08:30:00+09:00",
        "created_by": "manager01",
    },
    ev.LOT_STATUS_CHANGED: {
        "lot_number": _LOT,
        "from_status": "CREATED",
        "to_status": "IN_PROGRESS",
        "changed_at": _T0,
        "changed_by": "W001",
        "process_id": "PROC-001",
    },
    ev.SERIALS_ALLOCATED: {
        "lot_number": _LOT,
        "product_model": "WF",
        "serials": [
            {"serial_number": f"{_LOT}-0001", "sequence": 1},
            {"serial_number": f"{_LOT}-0002", "sequence": 2},
        ],
        "reason": "PROC-007_START",
        "allocated_at": "2025-11-10T15:00:01+09:00",
        "allocated_by": "W007",
        "created_date": "2025-11-10",
        "station_id": "ST-07",
    },
    ev.SERIALS_STATUS_CHANGED: {
        "lot_number": _LOT,
        "serials": [
            {
                "serial_number": f"{_LOT}-0001",
                "from_status": "IN_PROGRESS",
                "to_status": "PASSED",
            },
            {
                "serial_number": f"{_LOT}-0002",
                "from_status": "IN_PROGRESS",
                "to_status": "PASSED",
            },
        ],
        "changed_at": "2025-11-10T16:15:00+09:00",
        "process_id": "PROC-008",
    },
    ev.SERIAL_STATUS_CHANGED: {
        "serial_number": f"{_LOT}-0001",
        "lot_number": _LOT,
        "from_status": "IN_PROGRESS",
        "to_status": "PASSED",
        "changed_at": "2025-11-10T16:15:00+09:00",
        "process_id": "PROC-008",
    },
    ev.PROCESS_STARTED: {**_STEP, "recorded_at": "2025-11-10T09:00:00.120000+09:00"},
    ev.LOT_CLOSE_ACCEPTED: {
        "lot_number": _LOT,
        "accepted_at": _T0,
        "closed_by": "manager",
        "reason": "tester down, units moved to a new LOT",
        "forced": True,
        "open_steps": ["PROC-006"],
    },
    ev.ROUTING_UPDATED: {
        "product_model": "WF",
        "steps": [
            {
                "process_id": "PROC-001",
                "sequence": 1,
                "name_ko": "레이저 마킹",
                "name_en": "Laser marking",
            },
            {
                "process_id": "PROC-002",
                "sequence": 2,
                "name_ko": "LMA 조립",
                "name_en": "LMA assembly",
            },
        ],
        "updated_at": "2025-11-10T08:00:00+09:00",
    },
    ev.PROCESS_COMPLETED: {
        **_STEP,
        "started_at": "2025-11-10T09:00:00.120000+09:00",
        "reported_start_time": _STEP["start_time"],
        "complete_time": _T1,
        "result": "FAIL",
        "process_data": {
            "temp_sensor": {
                "measured_temp": 62.4,
                "target_temp": 60.0,
                "tolerance": 1.0,
                "result": "FAIL",
            },
            "tof_sensor": {"i2c_communication": True, "result": "PASS"},
            "overall_result": "FAIL",
        },
        "defects": [
            {
                "check": "temp_sensor",
                "measured": 62.4,
                "target": 60.0,
                "tolerance": 1.0,
                "lower_limit": 59.0,
                "upper_limit": 61.0,
                "unit": "°C",
                "message": "Temperature: 62.4 °C, spec 60.0 ± 1.0 °C",
            }
        ],
        "measurements": [
            {
                "check": "temp_sensor",
                "value": 62.4,
                "target": 60.0,
                "tolerance": 1.0,
                "lower": 59.0,
                "upper": 61.0,
                "unit": "°C",
                "result": "FAIL",
            }
        ],
        "component_lots": [],
        "is_last_process": False,
        "recorded_at": "2025-11-10T09:15:02+09:00",
    },
    ev.LOT_HELD: {
        **_NCR,
        "product_model": "WF",
        "process_name": "센서 검사",
        "work_order_id": "WO-20251110-003",
        "failed_checks": [_DEFECT],
        "held_at": "2025-11-10T09:15:02+09:00",
        "held_by": "kim.w001",
    },
    ev.LOT_RELEASED: {
        **_NCR,
        "cause": "REWORK_PASSED",
        "released_at": "2025-11-10T10:05:02+09:00",
        "released_by": "kim.w001",
        "work_order_id": "WO-20251110-011",
    },
    ev.NCR_OPENED: {
        **_NCR,
        "product_model": "WF",
        "process_name": "센서 검사",
        "work_order_id": "WO-20251110-003",
        "failed_checks": [_DEFECT],
        "opened_at": "2025-11-10T09:15:02+09:00",
        "opened_by": "kim.w001",
    },
    ev.NCR_CLOSED: {
        **_NCR,
        "disposition": "REWORK",
        "reason": "sensor reseated",
        "rework_from": "PROC-003",
        "scrap_count": None,
        "scrap_serials": [],
        "target_quantity": 100,
        "scrapped_total": 0,
        "closed_at": "2025-11-10T09:40:00+09:00",
        "closed_by": "lee.qm",
    },
    ev.LABELS_PRINTED: {
        "lot_number": _LOT,
        "printed_at": "2025-11-10T15:00:03+09:00",
        "labels": [
            _BATCH_LABEL,
            {**_BATCH_LABEL, "job_id": "124", "serial_number": f"{_LOT}-0002"},
        ],
    },
    ev.LABELS_FAILED: {
        "lot_number": _LOT,
        "failed_at": "2025-11-10T15:00:03+09:00",
        "labels": [
            {**_BATCH_LABEL, **_PAPER_OUT},
            {**_BATCH_LABEL, **_PAPER_OUT, "job_id": "124", "serial_number": f"{_LOT}-0002"},
        ],
    },
    ev.LABEL_PRINTED: {**_LABEL, "printed_at": "2025-11-10T15:00:03+09:00"},
    ev.LABEL_FAILED: {
        **_LABEL,
        "failed_at": "2025-11-10T15:00:03+09:00",
        "error_code": "PRINTER_OUT_OF_PAPER",
        "message": "paper out (~HS string 1, field 2)",
        "will_retry": True,
    },
    ev.FIRMWARE_UPLOADED: {
        **_FW,
        "uploaded_at": "2025-11-09T17:00:00+09:00",
        "uploaded_by": "admin",
    },
    ev.FIRMWARE_RELEASED: {
        **_FW,
        "released_at": "2025-11-09T17:05:00+09:00",
        "released_by": "admin",
        "previous_version": "v1.2.2",
    },
    ev.FIRMWARE_ROLLED_BACK: {
        **_FW,
        "withdrawn_version": "v1.2.4",
        "rolled_back_at": "2025-11-10T10:30:00+09:00",
        "rolled_back_by": "admin",
        "reason": "Upload failures on STM32F103 rev B",
    },
    ev.FIRMWARE_DOWNLOADED: {
        "download_id": 4711,
        "version": "v1.2.3",
        "user_id": "kim.w001",
        "station_id": "ST-04",
        "downloaded_at": "2025-11-10T10:00:15+09:00",
        "bytes_sent": 65536,
        "range": None,
    },
    ev.USER_CREATED: {**_USER, "active": True, "changed_at": "2025-11-01T09:00:00+09:00"},
    ev.USER_UPDATED: {
        **_USER,
        "worker_id": "W011",
        "previous_worker_id": "W001",
        "active": True,
        "changed_at": "2025-11-05T09:00:00+09:00",
    },
    ev.USER_DEACTIVATED: {
        **_USER,
        "active": False,
        "changed_at": "2025-12-01T09:00:00+09:00",
        "reason": "left the company",
    },
    ev.PRINTER_REGISTERED: {**_PRINTER, "changed_at": "2025-11-01T09:00:00+09:00"},
    ev.PRINTER_UPDATED: {**_PRINTER, "dpi": 300, "changed_at": "2025-11-03T09:00:00+09:00"},
    ev.PRINTER_STATUS_CHANGED: {
        "printer_id": "PRINTER-07",
        "state": "paper_out",
        "previous_state": "ready",
        "detail": "paper out (~HS string 1, field 2)",
        "changed_at": _T1,
    },
    ev.ALERT_RAISED: {**_ALERT, "raised_at": _T1},
    ev.ALERT_ACKNOWLEDGED: {
        **_ALERT,
        "acknowledged_at": "2025-11-10T09:17:00+09:00",
        "acknowledged_by": "manager",
        "note": "paper roll replaced",
    },
    ev.ALERT_RESOLVED: {**_ALERT, "raised_at": _T1, "resolved_at": "2025-11-10T09:18:00+09:00"},
    ev.SPC_LIMITS_SET: {
        "check": "temp_sensor",
        "version": 2,
        "baseline": "recent",
        "baseline_points": 100,
        "state": "active",
        "center": 25.02,
        "ucl": 25.61,
        "lcl": 24.43,
        "sigma": 0.197,
        "reason": "new sensor calibrated",
        "set_at": _T1,
    },
    ev.SPC_VIOLATION_FOUND: {
        "lot_number": _LOT,
        "work_order_id": "WO-20251110-003",
        "process_id": "PROC-003",
        "violations": [
            {
                "check": "temp_sensor",
                "rule": "1",
                "description": "1 point beyond 3σ",
                "value": 25.7,
                "limits_version": 2,
                "center": 25.02,
                "ucl": 25.61,
                "lcl": 24.43,
                "target": 25.0,
                "tolerance": None,
                "lower_limit": 24.0,
                "upper_limit": 26.0,
                "unit": "°C",
                "points": [
                    {
                        "lot_number": _LOT,
                        "work_order_id": "WO-20251110-003",
                        "value": 25.7,
                        "measured_at": _T1,
                    }
                ],
            }
        ],
        "detected_at": _T1,
    },
}
