"""Hostile completion files for the workstation's watched folder (`./mes fuzz files`).

Each `Drop` is a name, its bytes and where it must end: `completed` (a good completion,
also in legacy CP949 or with a BOM, or sent again), `error` (refused, with a sidecar
`<name>.error.json`), `either` (a name or body whose fate depends on details the fuzzer
does not judge, but it must leave pending/), or `ignored` (not a `*.json` candidate: it
stays in pending/ untouched, as the README says).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mes_contracts.completion import MAX_COMPLETION_BYTES

from .demo import step_bodies

NAME_MAX = 255  # bytes of one file name on Linux, NTFS counts 255 UTF-16 units


@dataclass(frozen=True)
class Drop:
    name: str
    content: bytes
    kind: str
    expect: str  # "completed" | "error" | "either" | "ignored"


@dataclass(frozen=True)
class Lot:
    """A LOT whose PROC-001 was started at `started_at` by worker W001."""

    number: str
    started_at: datetime


def completion(lot: Lot) -> dict[str, Any]:
    """The one good PROC-001 completion of `lot` (the same every time: a resend is a no-op)."""
    return step_bodies(lot.number, 1, lot.started_at)[1]


def file_name(lot: Lot, process_id: str = "PROC-001") -> str:
    return f"{lot.number}_{process_id}_{lot.started_at:%Y%m%d%H%M%S}.json"


def _utf8(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


# -- generators: (rng, lot) → Drop --------------------------------------------------------
def valid(rng: random.Random, lot: Lot) -> Drop:
    return Drop(file_name(lot), _utf8(completion(lot)), "valid", "completed")


def cp949(rng: random.Random, lot: Lot) -> Drop:
    raw = json.dumps(completion(lot), ensure_ascii=False).encode("cp949")
    return Drop(file_name(lot), raw, "cp949", "completed")


def utf8_bom(rng: random.Random, lot: Lot) -> Drop:
    return Drop(file_name(lot), b"\xef\xbb\xbf" + _utf8(completion(lot)), "utf8-bom", "completed")


def utf16(rng: random.Random, lot: Lot) -> Drop:
    raw = json.dumps(completion(lot), ensure_ascii=False).encode(rng.choice(["utf-16", "utf-32"]))
    return Drop(file_name(lot), raw, "utf16", "error")


def truncated(rng: random.Random, lot: Lot) -> Drop:
    raw = _utf8(completion(lot))
    return Drop(file_name(lot), raw[: rng.randrange(1, len(raw) - 1)], "truncated", "error")


def binary(rng: random.Random, lot: Lot) -> Drop:
    raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4096)))
    return Drop(file_name(lot), b"\x89PNG\r\n\x1a\n" + raw, "binary", "error")


def garbage_text(rng: random.Random, lot: Lot) -> Drop:
    alphabet = '{}[]:,"\\ 0123456789abc가나다\u0000\ufffd\U0001f600\n'
    text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 500)))
    return Drop(file_name(lot), text.encode("utf-8", "surrogatepass"), "garbage", "error")


def huge(rng: random.Random, lot: Lot) -> Drop:
    body = completion(lot)
    body["process_data"]["padding"] = "x" * (MAX_COMPLETION_BYTES + rng.randrange(1, 100_000))
    return Drop(file_name(lot), _utf8(body), "huge", "error")


def empty(rng: random.Random, lot: Lot) -> Drop:
    return Drop(file_name(lot), b"", "empty", "error")


def deeply_nested(rng: random.Random, lot: Lot) -> Drop:
    depth = rng.choice([1_000, 10_000, 100_000])
    body = _utf8(completion(lot))[:-1] + b', "nested": ' + b"[" * depth + b"]" * depth + b"}"
    return Drop(file_name(lot), body, "nested", "error")


def wrong_json_type(rng: random.Random, lot: Lot) -> Drop:
    body = rng.choice(["[]", "null", "42", '"text"', "{}", "true", '{"lot_number": null}'])
    return Drop(file_name(lot), body.encode(), "json-type", "error")


def missing_field(rng: random.Random, lot: Lot) -> Drop:
    body = completion(lot)
    del body[rng.choice(["worker_id", "start_time", "complete_time", "process_data"])]
    return Drop(file_name(lot), _utf8(body), "missing-field", "error")


def wrong_values(rng: random.Random, lot: Lot) -> Drop:
    body = completion(lot)
    field, value = rng.choice(
        [
            ("complete_time", "2000-01-01T00:00:00+09:00"),  # before the start
            ("start_time", "not a time"),
            ("worker_id", "W" + "9" * 300),
            ("process_data", {"lot_number_engraved": "OTHER", "marking_result": "SUCCESS"}),
            ("process_data", {"marking_result": "MAYBE"}),
            ("lot_number", "'; DROP TABLE lots; --"),
        ]
    )
    body[field] = value
    return Drop(file_name(lot), _utf8(body), "wrong-value", "error")


def nul_in_text(rng: random.Random, lot: Lot) -> Drop:
    body = completion(lot)
    body["process_data"]["note"] = "before\u0000after"
    return Drop(file_name(lot), _utf8(body), "nul-in-text", "either")


def name_mismatch(rng: random.Random, lot: Lot) -> Drop:
    other = Lot(lot.number[:-3] + "999", lot.started_at)
    return Drop(file_name(other), _utf8(completion(lot)), "name-mismatch", "error")


def bad_name(rng: random.Random, lot: Lot) -> Drop:
    stem = rng.choice(
        [
            "completion",
            f"{lot.number}_PROC-001",
            f"{lot.number}_PROC-001_20251399256199",
            f"{lot.number}_PROC-1_{lot.started_at:%Y%m%d%H%M%S}",
            f"한글이름_{lot.started_at:%Y%m%d%H%M%S}",
            f"{lot.number} _PROC-001_{lot.started_at:%Y%m%d%H%M%S}",
            "..",
            "x" * (NAME_MAX - len(".json")),
            "가" * ((NAME_MAX - len(".json")) // 3),
            f"{lot.number}_PROC-001_{lot.started_at:%Y%m%d%H%M%S}.error",
        ]
    )
    # "...json" is a hidden file: the station ignores those (station apps write temp files so).
    expect = "ignored" if stem.startswith(".") else "error"
    return Drop(stem + ".json", _utf8(completion(lot)), "bad-name", expect)


def upper_case_extension(rng: random.Random, lot: Lot) -> Drop:
    return Drop(file_name(lot)[:-5] + ".JSON", _utf8(completion(lot)), "upper-ext", "either")


def not_a_candidate(rng: random.Random, lot: Lot) -> Drop:
    name = rng.choice(
        [
            file_name(lot) + ".tmp",
            file_name(lot)[:-5] + ".txt",
            "." + file_name(lot),
            "~$" + file_name(lot),
            file_name(lot)[:-5],
        ]
    )
    return Drop(name, _utf8(completion(lot)), "ignored", "ignored")


GENERATORS: tuple[Callable[[random.Random, Lot], Drop], ...] = (
    valid,
    cp949,
    utf8_bom,
    utf16,
    truncated,
    binary,
    garbage_text,
    huge,
    empty,
    deeply_nested,
    wrong_json_type,
    missing_field,
    wrong_values,
    nul_in_text,
    name_mismatch,
    bad_name,
    upper_case_extension,
    not_a_candidate,
)


def generate(rng: random.Random, lots: list[Lot], count: int) -> list[Drop]:
    """`count` drops: every generator once, then random ones; names may repeat."""
    drops = [gen(rng, lots[i % len(lots)]) for i, gen in enumerate(GENERATORS[:count])]
    while len(drops) < count:
        drops.append(rng.choice(GENERATORS)(rng, rng.choice(lots)))
    return drops
