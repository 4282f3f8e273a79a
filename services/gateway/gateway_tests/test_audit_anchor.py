"""Checkpoints of the audit anchor: only what the gateway's key sealed opens; anything
else (unsigned, another key, an edited field, an added field, garbage) is a forgery."""

from __future__ import annotations

import json

import pytest
from gateway.audit_anchor import AnchorKey, Checkpoint, ForgedCheckpoint, now_iso
from mes_cli.keys import generate_keypair

pytestmark = pytest.mark.unit

KEY = AnchorKey(generate_keypair()[0])
CHECKPOINT = Checkpoint(42, "a" * 64, now_iso())


def test_a_sealed_checkpoint_opens_as_it_was() -> None:
    assert KEY.open(KEY.seal(CHECKPOINT)) == CHECKPOINT
    reanchor = Checkpoint(7, "b" * 64, now_iso(), "reanchor", "admin", "복원", {"seq": 42})
    assert KEY.open(KEY.seal(reanchor)) == reanchor


def _edited(**changes: object) -> bytes:
    return json.dumps({**json.loads(KEY.seal(CHECKPOINT)), **changes}).encode()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (json.dumps({"seq": 42, "hash": "a" * 64, "at": now_iso()}).encode(), "unsigned"),
        (AnchorKey(generate_keypair()[0]).seal(CHECKPOINT), "signed with another key"),
        (_edited(seq=41), "bad signature"),
        (_edited(hash="f" * 64), "bad signature"),
        (_edited(kind="reanchor"), "bad signature"),
        (_edited(sig="not base64!"), "bad signature"),
        (_edited(extra="field"), "bad signature"),
        (b"\xff\xfe garbage", "not a checkpoint"),
        (b"[1, 2, 3]", "not a checkpoint"),
    ],
)
def test_anything_else_is_a_forgery(raw: bytes, reason: str) -> None:
    with pytest.raises(ForgedCheckpoint, match=reason):
        KEY.open(raw)


def test_checkpoints_order_by_time_text() -> None:
    """`at` always carries microseconds, so comparing the text orders them by time."""
    times = [now_iso() for _ in range(50)]
    assert all(len(t) == len(times[0]) for t in times) and times == sorted(times)
