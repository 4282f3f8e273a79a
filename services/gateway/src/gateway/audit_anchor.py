"""The audit chain's head, anchored outside the database (ADR 0010).

The hash chain exposes an edited row or a gap, but not a cut tail: delete the newest rows
and what is left still chains. So after every recorded batch (and every few seconds) the
gateway signs a checkpoint of the chain's head (sequence, hash, time) with its Ed25519 key,
which the database's owner does not hold, and appends it to a Redis stream (and writes it
to a file, if one is configured). `/audit/verify` holds the chain against the newest valid
checkpoint and reports checkpoints that do not verify as forged.

The anchor only moves forward over rows that extend it and chain correctly. After a cut, a
rewrite or a forgery it stays where it is, so the finding keeps being reported, until an
admin re-anchors with a reason (after restoring a backup, say): a signed checkpoint of its
own that names who, why and which anchor it replaced.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mes_contracts.errors import ErrorCode, MesError
from redis.asyncio import Redis
from servicekit.db import Database
from servicekit.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncConnection

from .audit import GENESIS_HASH, hash_at, newest_row, verify_chain

log = get_logger(__name__)

STREAM = "gateway.audit.anchor"
FIELD = b"checkpoint"
STREAM_MAXLEN = 10_000  # approximate; only the newest entries are ever read
VERIFY_WINDOW = 100  # newest stream entries /audit/verify reads
CHECKPOINT_WINDOW = 10  # … and the checkpointer, after each batch


class ForgedCheckpoint(ValueError):
    """A stored checkpoint that is not one the gateway signed."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str  # ISO 8601 UTC with microseconds: orders checkpoints
    kind: str = "checkpoint"  # first | checkpoint | reanchor
    by: str | None = None
    reason: str | None = None
    replaces: dict[str, Any] | None = None  # the anchor a re-anchor replaced

    def canonical(self) -> bytes:
        return json.dumps(
            asdict(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()

    def view(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class AnchorKey:
    """Seals and opens checkpoints with the gateway's Ed25519 signing key."""

    def __init__(self, private_pem: str) -> None:
        key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise RuntimeError("the audit anchor needs an Ed25519 key (MES_JWT_PRIVATE_KEY)")
        self._private = key
        self._public = key.public_key()
        raw = self._public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = hashlib.sha256(raw).hexdigest()[:16]

    def seal(self, checkpoint: Checkpoint) -> bytes:
        signature = base64.b64encode(self._private.sign(checkpoint.canonical())).decode()
        doc = {**asdict(checkpoint), "key_id": self.key_id, "sig": signature}
        return json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()

    def open(self, raw: bytes) -> Checkpoint:
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ForgedCheckpoint("not a checkpoint") from exc
        if not isinstance(doc, dict):
            raise ForgedCheckpoint("not a checkpoint")
        signature, key_id = doc.pop("sig", None), doc.pop("key_id", None)
        if not signature:
            raise ForgedCheckpoint("unsigned")
        if key_id != self.key_id:
            raise ForgedCheckpoint("signed with another key")
        try:
            checkpoint = Checkpoint(**doc)
            self._public.verify(base64.b64decode(signature, validate=True), checkpoint.canonical())
        except (TypeError, ValueError, InvalidSignature) as exc:
            raise ForgedCheckpoint("bad signature") from exc
        return checkpoint


@dataclass
class Found:
    """What the anchor's stores hold: the newest valid checkpoint and what does not verify."""

    anchor: Checkpoint | None = None
    source: str | None = None  # redis | file
    forged: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)  # valid, stream, newest first


class AnchorStore:
    """A Redis stream (the shared anchor of every gateway replica) and an optional file."""

    def __init__(self, redis: Callable[[], Redis | None], key: AnchorKey, file: Path | None):
        self._redis, self.key, self.file = redis, key, file

    def _client(self) -> Redis:
        client = self._redis()
        if client is None:
            raise RuntimeError("Redis is not connected yet")
        return client

    async def read(self, window: int) -> Found:
        found = Found()
        stream_anchor: Checkpoint | None = None
        for entry_id, fields in await self._client().xrevrange(STREAM, count=window):
            try:
                checkpoint = self.key.open(fields.get(FIELD, b""))
            except ForgedCheckpoint as exc:
                if stream_anchor is None:  # newer than every valid one: it would be the anchor
                    entry = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
                    found.forged.append({"source": "redis", "entry_id": entry, "reason": str(exc)})
                continue
            stream_anchor = stream_anchor or checkpoint
            found.checkpoints.append(checkpoint)
        file_anchor = await asyncio.to_thread(self._read_file, found)
        candidates = [(c, s) for c, s in ((stream_anchor, "redis"), (file_anchor, "file")) if c]
        if candidates:
            found.anchor, found.source = max(candidates, key=lambda cs: cs[0].at)
        return found

    def _read_file(self, found: Found) -> Checkpoint | None:
        if self.file is None or not self.file.exists():
            return None
        try:
            return self.key.open(self.file.read_bytes())
        except (OSError, ForgedCheckpoint) as exc:
            found.forged.append({"source": "file", "path": str(self.file), "reason": str(exc)})
            return None

    async def append(self, checkpoint: Checkpoint) -> None:
        sealed = self.key.seal(checkpoint)
        await self._client().xadd(STREAM, {FIELD: sealed}, maxlen=STREAM_MAXLEN, approximate=True)
        if self.file is not None:
            await asyncio.to_thread(self._write_file, sealed)

    def _write_file(self, sealed: bytes) -> None:
        assert self.file is not None
        self.file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.file.with_name(self.file.name + ".partial")
        with open(partial, "wb") as out:
            out.write(sealed)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, self.file)


async def tail_finding(
    session: AsyncConnection, found: Found, tip_seq: int
) -> dict[str, Any] | None:
    """What the anchor says about the chain's tail: None when the anchored row is there with
    its anchored hash; else the rows the anchor vouched for that are gone or different."""
    anchor = found.anchor
    if anchor is None:
        return None
    if tip_seq >= anchor.seq and await hash_at(session, anchor.seq) == anchor.hash:
        return None
    intact = 0  # the newest older checkpoint whose row is still as anchored
    for older in sorted(found.checkpoints, key=lambda c: c.seq, reverse=True):
        below = older.seq < anchor.seq and older.seq <= tip_seq
        if below and await hash_at(session, older.seq) == older.hash:
            intact = older.seq
            break
    cut = tip_seq < anchor.seq
    return {
        "state": "cut" if cut else "rewritten",
        "missing_from_seq": tip_seq + 1 if cut else intact + 1,
        "missing_to_seq": anchor.seq,
        "intact_up_to_seq": intact,
        "anchor": anchor.view(),
    }


class AuditAnchor:
    """Writes checkpoints after recorded batches (`wake`) and every `interval` seconds."""

    def __init__(
        self, db: Callable[[], Database | None], store: AnchorStore, interval: float
    ) -> None:
        self._db, self.store, self.interval = db, store, interval
        self._wake = asyncio.Event()
        self._problem: str | None = None

    def wake(self) -> None:
        """After-commit callback of a transaction that recorded audit rows."""
        self._wake.set()

    def _database(self) -> Database:
        db = self._db()
        if db is None:
            raise RuntimeError("the database is not connected yet")
        return db

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.checkpoint()
            except Exception as exc:  # Redis or PostgreSQL away: the next round tries again
                self._hold(f"checkpoint failed ({type(exc).__name__})", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)

    def _hold(self, problem: str, **context: Any) -> None:
        """Log why the anchor does not move, once per distinct problem (it is retried)."""
        if problem != self._problem:
            log.error(f"audit anchor not moved: {problem}", **context)
            self._problem = problem

    async def checkpoint(self) -> Checkpoint | None:
        """Anchor the chain's current head, if it extends the anchor and chains correctly."""
        found = await self.store.read(CHECKPOINT_WINDOW)
        if found.forged:
            self._hold("a stored checkpoint does not verify", forged=found.forged)
            return None
        anchor = found.anchor
        async with self._database().transaction() as session:
            start = (0, GENESIS_HASH)  # no anchor yet: the whole chain is checked once
            if anchor is not None:
                tip = await newest_row(session)
                if tip == (anchor.seq, anchor.hash):
                    return None
                if await tail_finding(session, found, tip[0]) is not None:
                    self._hold("the chain no longer holds its anchored head", anchor=anchor.view())
                    return None
                start = (anchor.seq, anchor.hash)
            chain = await verify_chain(session, after=start)
        if not chain["valid"]:
            self._hold("the chain is broken", first_broken_seq=chain["first_broken_seq"])
            return None
        seq, head = chain["tip"]["seq"], chain["tip"]["hash"]
        if seq == 0 or (anchor is not None and seq == anchor.seq):
            return None
        checkpoint = Checkpoint(seq, head, now_iso(), kind="checkpoint" if anchor else "first")
        await self.store.append(checkpoint)
        if anchor is None:
            log.warning("audit chain anchored for the first time", seq=seq)
        self._problem = None
        return checkpoint

    async def report(self, session: AsyncConnection) -> dict[str, Any]:
        """The anchor's part of /audit/verify."""
        found = await self.store.read(VERIFY_WINDOW)
        tip_seq, _ = await newest_row(session)
        return {
            "anchor": {**found.anchor.view(), "source": found.source} if found.anchor else None,
            "tail": await tail_finding(session, found, tip_seq),
            "forged_checkpoints": found.forged,
            "reanchors": [c.view() for c in found.checkpoints if c.kind == "reanchor"],
        }

    async def reanchor(self, by: str, reason: str) -> dict[str, Any]:
        """Accept the chain as it is now (intact from the genesis) as the new anchor: what the
        old anchor or a forged checkpoint showed is acknowledged, in the new checkpoint."""
        found = await self.store.read(VERIFY_WINDOW)
        async with self._database().transaction() as session:
            chain = await verify_chain(session)
            if not chain["valid"]:
                raise MesError(
                    ErrorCode.AUDIT_CHAIN_BROKEN,
                    data={"first_broken_seq": chain["first_broken_seq"]},
                )
            tail = await tail_finding(session, found, chain["tip"]["seq"])
        if found.anchor is not None and tail is None and not found.forged:
            raise MesError(ErrorCode.AUDIT_ANCHOR_INTACT, data={"anchor_seq": found.anchor.seq})
        replaced = found.anchor
        checkpoint = Checkpoint(
            chain["tip"]["seq"],
            chain["tip"]["hash"],
            now_iso(),
            kind="reanchor",
            by=by,
            reason=reason,
            replaces=(
                {"seq": replaced.seq, "hash": replaced.hash, "at": replaced.at}
                if replaced
                else None
            ),
        )
        await self.store.append(checkpoint)
        self._problem = None
        log.warning("audit chain re-anchored", by=by, reason=reason, seq=checkpoint.seq)
        return {"anchor": checkpoint.view(), "acknowledged": {"tail": tail, "forged": found.forged}}
