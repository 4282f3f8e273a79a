"""Test support as a pytest plugin: one real PostgreSQL and Redis per session, signing
keys and tokens like the gateway's, and a way to serve one app over real HTTP.

Started here (embedded PostgreSQL via pgserver, a redis-server binary) unless
MES_TEST_DATABASE_URL / MES_TEST_REDIS_URL point at servers that already run.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import asyncpg
import jwt
import pytest
import uvicorn

from mes_cli.infra import EmbeddedPostgres, EmbeddedRedis, free_port
from mes_cli.keys import generate_keypair
from mes_cli.unit_tier import MARK as UNIT_MARK
from mes_cli.unit_tier import forbid_servers, misfiled


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """SQLAlchemy URL (postgresql+asyncpg://…) of the session's PostgreSQL."""
    external = os.environ.get("MES_TEST_DATABASE_URL")
    if external:
        yield external.replace("postgresql://", "postgresql+asyncpg://", 1)
        return
    workdir = Path(tempfile.mkdtemp(prefix="mes-test-pg-"))
    server = EmbeddedPostgres(workdir / "data").start()
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    external = os.environ.get("MES_TEST_REDIS_URL")
    if external:
        yield external
        return
    workdir = Path(tempfile.mkdtemp(prefix="mes-test-redis-"))
    server = EmbeddedRedis(workdir).start()
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def create_database(pg_url: str, prefix: str = "mes") -> str:
    """A fresh, empty database on the session server; returns its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(asyncpg_dsn(pg_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, query = pg_url.partition("?")
    base = base.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


def redis_db(url: str, index: int) -> str:
    """The same Redis server, database `index`: a suite's own stack keeps its streams apart."""
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{index}"


def _entry_id(entry_id: bytes | str) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    millis, _, seq = text.partition("-")
    return int(millis), int(seq or 0)


def streams_consumed(
    redis_url: str, streams: list[str] | None = None, group: str | None = None
) -> bool:
    """Every entry of `streams` (default: every stream) delivered to `group` (default: every
    group) and acknowledged: the events are applied, none waits pending for a reclaimer.
    A stream named in `streams` must hold an entry (the awaited event is published)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        for stream in streams or list(client.scan_iter(_type="stream")):
            last = client.xrevrange(stream, count=1)
            if not last:
                if streams:
                    return False
                continue
            groups = {
                (g["name"].decode() if isinstance(g["name"], bytes) else g["name"]): g
                for g in client.xinfo_groups(stream)
            }
            wanted = [groups.get(group)] if group else list(groups.values())
            for info in wanted:
                if info is None or info["pending"]:
                    return False
                if _entry_id(info["last-delivered-id"]) < _entry_id(last[0][0]):
                    return False
        return True
    finally:
        client.close()


@contextmanager
def running_stack(
    pg_url: str,
    redis_url: str,
    *,
    name: str,
    redis_index: int,
    env: dict[str, str],
    http_port: int | None = None,
    replicas: dict[str, int] | None = None,
    timeout: float = 120,
    keep_dir: bool = False,
    mode: str | None = None,
) -> Iterator[Any]:
    """The whole system for a test suite: its own database and Redis database (emptied),
    started as the launcher starts it, stopped and its directory removed afterwards."""
    import redis

    from mes_cli.stack import Stack, StackConfig

    database_url = asyncio.run(create_database(pg_url, name))
    own_redis = redis_db(redis_url, redis_index)
    redis.Redis.from_url(own_redis).flushdb()
    config = StackConfig(
        data_dir=Path(tempfile.mkdtemp(prefix=f"mes-{name}-")),
        http_port=http_port or free_port(),
        database_url=database_url,
        redis_url=own_redis,
        # The demo printers on ports of this stack's own: another worker's stack, or a
        # label test's seeded printers, must never reach this one's emulators.
        extra_env={
            "MES_LABEL_DEMO_PRINTER_PORT": str(free_port()),
            "MES_LABEL_DEMO_SERIAL_PRINTER_PORT": str(free_port()),
            **env,
        },
        replicas=replicas or {},
        **({"mode": mode} if mode else {}),  # else MES_MODE, single by default
    )
    running = Stack(config, log=lambda *_: None)
    try:
        running.start(timeout=timeout)
        yield running
    finally:
        running.stop()
        if not keep_dir:
            shutil.rmtree(config.data_dir, ignore_errors=True)


@pytest.fixture
async def fresh_db_url(pg_url: str) -> AsyncIterator[str]:
    yield await create_database(pg_url)


class RoundTrips:
    """Messages sent to PostgreSQL over an engine's pooled connections while counting.

    asyncpg writes each request (a simple query, Parse/Describe/Sync of a new prepared
    statement, or Bind/Execute/Sync of a known one) with one `transport.write` and then
    waits for the answer, so writes are round trips. BEGIN and COMMIT count too."""

    def __init__(self) -> None:
        self.count = 0
        self.active = False

    def reset(self) -> None:
        self.count = 0


@contextmanager
def round_trips(engine: Any) -> Iterator[RoundTrips]:
    """Count round trips of `engine` (an AsyncEngine) inside the block: wraps the socket
    transport of every connection checked out meanwhile (the default asyncio loop's)."""
    from sqlalchemy import event

    counter = RoundTrips()
    wrapped: list[tuple[Any, Any]] = []

    def on_checkout(dbapi_connection: Any, *_: Any) -> None:
        transport = dbapi_connection.driver_connection._transport
        if getattr(transport.write, "_counting", None) is counter:
            return
        original = transport.write

        def write(data: Any) -> None:
            if counter.active:
                counter.count += 1
            original(data)

        write._counting = counter  # type: ignore[attr-defined]
        transport.write = write
        wrapped.append((transport, original))

    event.listen(engine.sync_engine, "checkout", on_checkout)
    counter.active = True
    try:
        yield counter
    finally:
        counter.active = False
        event.remove(engine.sync_engine, "checkout", on_checkout)
        for transport, original in wrapped:
            transport.write = original


# -- signing keys and tokens ------------------------------------------------------------


@dataclass(frozen=True)
class TestKeys:
    private_pem: str
    public_pem: str

    def token(
        self,
        username: str = "tester",
        role: str = "admin",
        worker_id: str | None = None,
        *,
        minutes: int = 15,
        issuer: str = "withforce-mes",
        audience: str = "withforce-mes-api",
        typ: str = "access",
        version: int = 1,
    ) -> str:
        """An access token exactly as the gateway issues it."""
        now = datetime.now(UTC)
        claims = {
            "iss": issuer,
            "aud": audience,
            "sub": username,
            "role": role,
            "worker_id": worker_id,
            "ver": version,
            "typ": typ,
            "jti": uuid.uuid4().hex,
            "iat": now,
            "nbf": now,
            "exp": now + timedelta(minutes=minutes),
        }
        return jwt.encode(claims, self.private_pem, algorithm="EdDSA")

    def headers(
        self, role: str = "admin", worker_id: str | None = None, username: str = "tester"
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username, role, worker_id)}"}


@pytest.fixture(scope="session")
def jwt_keys() -> TestKeys:
    private, public = generate_keypair()
    return TestKeys(private, public)


# -- one service app over real HTTP ------------------------------------------------------


@contextmanager
def serve_app(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Run an ASGI app with uvicorn in a background thread (lifespan included); yields its URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", lifespan="on", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start (see its log above)")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def migrate_service(package: str, database_url: str) -> None:
    """Apply one service's Alembic migrations (from a thread: Alembic runs its own loop)."""
    from servicekit.migrate import upgrade

    with ThreadPoolExecutor(1) as pool:
        pool.submit(upgrade, package, database_url).result()


@asynccontextmanager
async def migrated_runtime(
    pg_url: str, redis_url: str, package: str, settings_type: type
) -> AsyncIterator[Any]:
    """A `ServiceRuntime` of `package` on a database of its own migrated to head, with its
    pool (closed on exit): per-service tests call the use cases on it."""
    from servicekit.db import Database
    from servicekit.runtime import ServiceRuntime

    models = importlib.import_module(f"{package}.models")
    url = await create_database(pg_url, models.SCHEMA)
    await asyncio.to_thread(migrate_service, package, url)
    settings = settings_type(database_url=url, redis_url=redis_url, env="test", log_json=False)
    runtime = ServiceRuntime(settings, schema=models.SCHEMA, metadata=models.metadata)
    runtime.db = Database(url, pool_size=20, max_overflow=20)
    try:
        yield runtime
    finally:
        await runtime.db.dispose()


@dataclass
class UseCaseKit:
    """A service's use cases on `migrated_runtime`: `emit` applies an event as the consumer
    would, `fetch` reads with SQL (each in one transaction). `subscriptions` is the
    service's `SUBSCRIPTIONS`."""

    subscriptions: ClassVar[Any]
    runtime: Any
    service: Any
    db: Any

    async def emit(self, type_: str, data: dict[str, Any]) -> None:
        from mes_contracts.events import make_event

        event = make_event(type_, data, source="test")
        handler = getattr(self.service, self.subscriptions.handlers[type_])
        async with self.db.transaction() as session:
            await handler(session, event)

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        from servicekit.db import raw

        async with self.db.transaction() as session:
            return await (await raw(session)).fetch(sql, *args)


def eventually(
    probe: Any, timeout: float = 15.0, what: str = "condition", interval: float = 0.05
) -> Any:
    """Poll `probe()` until it returns something truthy (events apply asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what} not met within {timeout} s")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--unit",
        action="store_true",
        help="the fast tier only: tests marked `unit`, with no server allowed (mes_cli.unit_tier)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{UNIT_MARK}: a plain test of a rule, no servers (the `--unit` tier)"
    )
    if config.getoption("unit"):
        forbid_servers()


def _deselect(config: pytest.Config, items: list[pytest.Item], keep: Any) -> None:
    dropped = [item for item in items if not keep(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if keep(item)]


@pytest.hookimpl(trylast=True)  # after every conftest has added its markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A `unit` test that needs a server is an error in every run. `--unit` keeps only the
    `unit` tests. Tests marked `slow` (chaos, soak) run with MES_TEST_SLOW=1 or when `-m`
    names them; otherwise they are deselected (not skipped), so `./mes test` stays fast."""
    wrong = misfiled(items)
    if wrong:
        raise pytest.UsageError(
            "marked `unit` but needs a server (move it or drop the mark): " + ", ".join(wrong)
        )
    if config.getoption("unit"):
        _deselect(config, items, lambda item: item.get_closest_marker(UNIT_MARK))
    if os.environ.get("MES_TEST_SLOW") == "1" or "slow" in (config.option.markexpr or ""):
        return
    _deselect(config, items, lambda item: not item.get_closest_marker("slow"))
