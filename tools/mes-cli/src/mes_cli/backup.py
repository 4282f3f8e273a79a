"""`./mes backup` and `./mes restore`: the database and the firmware store.

A backup root (`--to`, `MES_BACKUP_DIR`, default `$MES_DATA_DIR/backups`) holds one folder per
backup, written under a `.partial` name and renamed when complete:

    20251110T170000Z-full/
        manifest.json      kind, time, checksums, schema revisions, firmware inventory
        database.dump      pg_dump --format=custom of every MES schema
        firmware/<key>     every firmware binary
    20251110T230000Z-incremental/
        manifest.json      "base": the full backup it builds on
        database.dump      a complete dump again (the database is small; see below)
        firmware/<key>     only the binaries the base does not hold

"Incremental", honestly: the database part of every backup is a complete logical dump
(seconds at this factory's volume: ~100 events and a few hundred rows a day); what is
incremental is the firmware store, the big part (binaries up to 256 MiB), whose keys are
immutable. A restore takes the dump of the chosen backup and the binaries its inventory
lists, from the folders that hold them. Point-in-time recovery finer than the 6-hour slots
needs WAL archiving or the managed database's own PITR (docs/operations.md).

Order: the database is dumped first, then the binaries are copied. A binary is written
before its row commits, so every binary the dump references exists when the copy starts.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from firmware_service.storage import BackupStore

MANIFEST = "manifest.json"
DUMP = "database.dump"
FIRMWARE = "firmware"
FORMAT_VERSION = 1
CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    pass


# -- PostgreSQL client tools ---------------------------------------------------------------


def pg_bin_dirs() -> list[Path]:
    """Where pg_dump & co. are looked for: MES_PG_BIN, the pgserver wheel, then PATH."""
    dirs = []
    if os.environ.get("MES_PG_BIN"):
        dirs.append(Path(os.environ["MES_PG_BIN"]))
    spec = importlib.util.find_spec("pgserver")
    if spec and spec.submodule_search_locations:
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin")
    return dirs


def pg_tool(name: str) -> str:
    for folder in pg_bin_dirs():
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} not found (set MES_PG_BIN to a PostgreSQL bin directory)")


@dataclass(frozen=True)
class PgTarget:
    """A libpq connection URI without the password, and the environment that carries it."""

    uri: str
    env: dict[str, str]

    @classmethod
    def from_url(cls, url: str) -> PgTarget:
        scheme, _, rest = url.partition("://")
        if not scheme.startswith(("postgresql", "postgres")):
            raise BackupError(f"not a PostgreSQL URL: {scheme}://…")
        parts = urlsplit("postgresql://" + rest)
        env = {}
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostport = netloc.rpartition("@")
            user, sep, password = userinfo.partition(":")
            if sep and password:
                env["PGPASSWORD"] = unquote(password)
            netloc = f"{user}@{hostport}" if user else hostport
        # asyncpg spells TLS `ssl=require`; libpq spells it `sslmode=require`.
        query = [("sslmode", v) if k == "ssl" else (k, v) for k, v in parse_qsl(parts.query)]
        uri = urlunsplit(("postgresql", netloc, parts.path, urlencode(query, quote_via=quote), ""))
        return cls(uri, env)

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.env}
        result = subprocess.run(  # noqa: S603 - fixed tools, our arguments
            [pg_tool(tool), *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"{tool} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    def query(self, sql: str) -> list[str]:
        out = self.run("psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", self.uri, "-c", sql)
        return [line for line in out.stdout.splitlines() if line]

    def mes_schemas(self) -> list[str]:
        """Every schema that holds a service's Alembic version table (one per service)."""
        return self.query(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'alembic_version' ORDER BY 1"
        )

    def revisions(self, schemas: list[str]) -> dict[str, list[str]]:
        for s in schemas:
            if not s.replace("_", "").isalnum():
                raise BackupError(f"unexpected schema name {s!r}")
        return {
            s: self.query(f'SELECT version_num FROM "{s}".alembic_version ORDER BY 1')  # noqa: S608 - checked identifier
            for s in schemas
        }


# -- firmware stores -----------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def firmware_store(data_dir: Path) -> BackupStore:
    """The firmware-service's own store (`firmware_service.storage`), from the same
    environment variables: one implementation of where and how binaries are kept."""
    from firmware_service.settings import FirmwareSettings
    from firmware_service.storage import storage_from_settings

    try:
        return storage_from_settings(FirmwareSettings(data_dir=data_dir))
    except RuntimeError as exc:  # e.g. MES_FIRMWARE_STORAGE=s3 without MES_S3_ENDPOINT
        raise BackupError(str(exc)) from exc


# -- backups -------------------------------------------------------------------------------


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def list_backups(root: Path) -> list[dict]:
    """Complete backups under `root`, oldest first (each manifest plus its `path`)."""
    found = []
    if not root.is_dir():
        return found
    for folder in sorted(root.iterdir()):
        manifest = folder / MANIFEST
        if folder.is_dir() and not folder.name.startswith(".") and manifest.is_file():
            found.append({**json.loads(manifest.read_text()), "path": str(folder)})
    return found


def create_backup(
    root: Path,
    *,
    kind: str,
    target: PgTarget,
    store: BackupStore,
    now: datetime | None = None,
) -> Path:
    if kind not in ("full", "incremental"):
        raise BackupError(f"unknown backup kind {kind!r}")
    now = now or datetime.now(UTC)
    root.mkdir(parents=True, exist_ok=True)
    base = None
    if kind == "incremental":
        fulls = [b for b in list_backups(root) if b["kind"] == "full"]
        if not fulls:
            print("no full backup to build on yet: taking a full one", file=sys.stderr)
            kind = "full"
        else:
            base = fulls[-1]
    name = f"{_stamp(now)}-{kind}"
    final = root / name
    if final.exists():
        raise BackupError(f"{final} already exists")
    partial = root / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        schemas = target.mes_schemas()
        if not schemas:
            raise BackupError("no MES schema in this database (nothing migrated?)")
        revisions = target.revisions(schemas)
        dump = partial / DUMP
        schema_args = [arg for s in schemas for arg in ("--schema", s)]
        target.run(
            "pg_dump",
            "--format=custom",
            "--compress=6",
            *schema_args,
            "-f",
            str(dump),
            "-d",
            target.uri,
        )
        version = target.run("pg_dump", "--version").stdout.strip()

        inherited = {f["key"]: f for f in (base or {}).get("firmware", {}).get("files", [])}
        files = []
        for key, size in store.inventory().items():
            known = inherited.get(key)
            if known and known["size"] == size:
                files.append(known)  # already held by the base full backup
                continue
            digest = store.export(key, partial / FIRMWARE / key)
            files.append({"key": key, "size": size, "sha256": digest, "stored_in": name})
        manifest = {
            "format": FORMAT_VERSION,
            "name": name,
            "kind": kind,
            "base": base["name"] if base else None,
            "created_at": now.astimezone(UTC).isoformat(),
            "database": {
                "file": DUMP,
                "sha256": sha256_of(dump),
                "size": dump.stat().st_size,
                "schemas": schemas,
                "revisions": revisions,
                "pg_dump": version,
            },
            "firmware": {"storage": store.name, "files": files},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def prune(root: Path, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Delete backups older than `keep_days`, except a full one a kept backup still needs."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=keep_days)
    backups = list_backups(root)
    kept = [b for b in backups if datetime.fromisoformat(b["created_at"]) >= cutoff]
    needed = {b["name"] for b in kept}
    for b in kept:
        needed.update(f["stored_in"] for f in b["firmware"]["files"])
        if b.get("base"):
            needed.add(b["base"])
    removed = []
    for b in backups:
        if b["name"] not in needed:
            shutil.rmtree(b["path"])
            removed.append(Path(b["path"]))
    return removed


def find_backup(root: Path, which: str) -> Path:
    """A backup by path, by folder name under `root`, or `latest`."""
    if which == "latest":
        backups = list_backups(root)
        if not backups:
            raise BackupError(f"no backup under {root}")
        return Path(backups[-1]["path"])
    path = Path(which)
    if not (path / MANIFEST).is_file():
        path = root / which
    if not (path / MANIFEST).is_file():
        raise BackupError(f"no backup {which!r} (looked in {root})")
    return path


def restore_backup(
    backup: Path, *, target: PgTarget, store: BackupStore, clean: bool = False
) -> dict:
    manifest = json.loads((backup / MANIFEST).read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    db = manifest["database"]
    dump = backup / db["file"]
    if sha256_of(dump) != db["sha256"]:
        raise BackupError(f"{dump} does not match its checksum: refusing to restore it")
    # Every binary must be there and intact before anything is changed.
    sources = {}
    for f in manifest["firmware"]["files"]:
        source = backup.parent / f["stored_in"] / FIRMWARE / f["key"]
        if not source.is_file() or sha256_of(source) != f["sha256"]:
            raise BackupError(f"firmware {f['key']} missing or damaged in {source.parent.parent}")
        sources[f["key"]] = source
    present = set(target.mes_schemas()) & set(db["schemas"])
    if present and not clean:
        raise BackupError(
            "the database already holds MES schemas "
            + ", ".join(sorted(present))
            + ": stop every service and pass --clean to replace them"
        )
    if present:
        drops = "; ".join(f'DROP SCHEMA IF EXISTS "{s}" CASCADE' for s in sorted(present))
        target.run("psql", "-X", "-v", "ON_ERROR_STOP=1", "-1", "-d", target.uri, "-c", drops)
    target.run(
        "pg_restore",
        "--exit-on-error",
        "--single-transaction",
        "--no-owner",
        "--no-privileges",
        "-d",
        target.uri,
        str(dump),
    )
    for key, source in sources.items():
        store.import_(key, source)
    return manifest


# -- schedule ------------------------------------------------------------------------------


def next_slot(
    now: datetime, tz: ZoneInfo, full_at: str = "02:00", every_hours: int = 6
) -> tuple[datetime, str]:
    """The next backup after `now`: a full one daily at `full_at` (factory time), an
    incremental one every `every_hours` in between."""
    hour, minute = (int(x) for x in full_at.split(":"))
    local = now.astimezone(tz)
    anchor = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if anchor > local:
        anchor -= timedelta(days=1)
    step = timedelta(hours=every_hours)
    slot = anchor
    while slot <= local:
        slot += step
    # Slots are counted from the daily anchor; the first slot of a new day is the full one.
    day_anchor = slot.replace(hour=hour, minute=minute)
    kind = "full" if slot == day_anchor else "incremental"
    return slot.astimezone(UTC), kind


def run_schedule(
    root: Path,
    *,
    full_at: str,
    every_hours: int,
    keep_days: int,
    tz: ZoneInfo,
    target_of: callable,
    store_of: callable,
) -> None:
    print(
        f"backups in {root}: full daily at {full_at} ({tz.key}), incremental every "
        f"{every_hours} h, kept {keep_days} days",
        flush=True,
    )
    while True:
        at, kind = next_slot(datetime.now(UTC), tz, full_at, every_hours)
        print(f"next backup: {kind} at {at.astimezone(tz).isoformat()}", flush=True)
        while (wait := (at - datetime.now(UTC)).total_seconds()) > 0:
            time.sleep(min(wait, 60))
        try:
            with target_of() as target:
                path = create_backup(root, kind=kind, target=target, store=store_of())
            print(f"backup written: {path}", flush=True)
            for removed in prune(root, keep_days):
                print(f"backup expired: {removed}", flush=True)
        except (BackupError, OSError) as exc:  # keep the schedule alive; the log says why
            print(f"backup failed: {exc}", file=sys.stderr, flush=True)


# -- command line --------------------------------------------------------------------------


@contextlib.contextmanager
def database_target(data_dir: Path) -> Iterator[PgTarget]:
    """DATABASE_URL, else the running `./mes up` stack's, else the embedded one, started for
    the duration of the command."""
    url = os.environ.get("DATABASE_URL")
    state = data_dir / "run" / "stack.json"
    if not url and state.is_file():
        url = json.loads(state.read_text()).get("database_url")
    if url:
        yield PgTarget.from_url(url)
        return
    from .infra import EmbeddedPostgres

    if not (data_dir / "postgres").is_dir():
        raise BackupError(
            f"no database: DATABASE_URL is unset and {data_dir / 'postgres'} is missing"
        )
    server = EmbeddedPostgres(data_dir / "postgres").start()
    try:
        yield PgTarget.from_url(server.url)
    finally:
        server.stop()


def _root_of(args: argparse.Namespace, data_dir: Path) -> Path:
    return Path(args.to or os.environ.get("MES_BACKUP_DIR") or data_dir / "backups").resolve()


def _data_dir() -> Path:
    from .stack import StackConfig

    return StackConfig.from_environment(Path(os.environ.get("MES_ROOT", Path.cwd()))).data_dir


def cmd_backup(args: argparse.Namespace) -> int:
    data_dir = _data_dir()
    root = _root_of(args, data_dir)
    try:
        if args.list:
            for b in list_backups(root):
                print(
                    f"{b['name']:<32} {b['kind']:<12} {len(b['firmware']['files'])} firmware file(s)"
                )
            return 0
        if args.schedule:
            tz = ZoneInfo(os.environ.get("MES_FACTORY_TIMEZONE", "Asia/Seoul"))
            run_schedule(
                root,
                full_at=args.full_at,
                every_hours=args.every_hours,
                keep_days=args.keep_days,
                tz=tz,
                target_of=lambda: database_target(data_dir),
                store_of=lambda: firmware_store(data_dir),
            )
            return 0
        with database_target(data_dir) as target:
            path = create_backup(
                root, kind=args.kind, target=target, store=firmware_store(data_dir)
            )
        manifest = json.loads((path / MANIFEST).read_text())
        print(
            f"backup written: {path} ({manifest['kind']}, schemas "
            f"{', '.join(manifest['database']['schemas'])}, "
            f"{len(manifest['firmware']['files'])} firmware file(s))"
        )
        if args.keep_days:
            for removed in prune(root, args.keep_days):
                print(f"backup expired: {removed}")
        return 0
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1


def cmd_restore(args: argparse.Namespace) -> int:
    data_dir = _data_dir()
    root = _root_of(args, data_dir)
    try:
        backup = find_backup(root, args.backup)
        with database_target(data_dir) as target:
            manifest = restore_backup(
                backup, target=target, store=firmware_store(data_dir), clean=args.clean
            )
    except BackupError as exc:
        print(f"restore failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"restored {manifest['name']}: schemas {', '.join(manifest['database']['schemas'])}, "
        f"{len(manifest['firmware']['files'])} firmware file(s). Run the migrations "
        "(./mes up does) if this release is newer than the backup. If anything was audited "
        "after this backup, GET /api/v1/audit/verify reports that cut tail until an admin "
        "re-anchors the audit chain (POST /api/v1/audit/anchor, docs/operations.md)."
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    backup = sub.add_parser(
        "backup", help="back up the database and the firmware store (see docs/operations.md)"
    )
    backup.add_argument("--kind", choices=["full", "incremental"], default="full")
    backup.add_argument("--to", help="backup root (default $MES_BACKUP_DIR or .mes/backups)")
    backup.add_argument(
        "--keep-days", type=int, default=30, help="delete backups older than this (0: keep all)"
    )
    backup.add_argument("--list", action="store_true", help="list the backups and exit")
    backup.add_argument(
        "--schedule",
        action="store_true",
        help="run forever: full daily at --full-at, incremental every --every-hours",
    )
    backup.add_argument("--full-at", default="02:00", help="factory-local time of the full backup")
    backup.add_argument("--every-hours", type=int, default=6)
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser(
        "restore", help="restore a backup (stop the services first; see docs/operations.md)"
    )
    restore.add_argument("backup", help="backup folder, its name under the root, or 'latest'")
    restore.add_argument("--from", dest="to", help="backup root (default as for backup)")
    restore.add_argument(
        "--clean", action="store_true", help="drop the MES schemas the database already holds"
    )
    restore.set_defaults(func=cmd_restore)
