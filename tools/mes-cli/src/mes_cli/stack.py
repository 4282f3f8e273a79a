"""The whole system as local processes: data stores, migrations, services, gateway."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .infra import EmbeddedPostgres, EmbeddedRedis, free_port
from .keys import ensure_hop_key, ensure_keypair


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    package: str
    offset: int  # preferred port = gateway port + offset
    url_env: str | None  # how the gateway learns its URL


SERVICES = (
    ServiceSpec("lot-service", "lot_service", 1, "MES_LOT_SERVICE_URL"),
    ServiceSpec("process-service", "process_service", 2, "MES_PROCESS_SERVICE_URL"),
    ServiceSpec("label-service", "label_service", 3, "MES_LABEL_SERVICE_URL"),
    ServiceSpec("firmware-service", "firmware_service", 4, "MES_FIRMWARE_SERVICE_URL"),
    ServiceSpec("trace-service", "trace_service", 5, "MES_TRACE_SERVICE_URL"),
)
GATEWAY = ServiceSpec("gateway", "gateway", 0, None)
ALL_PACKAGES = [s.package for s in (*SERVICES, GATEWAY)]
# Single-process mode (ADR 0016): every service and the gateway in this one process.
SINGLE = ServiceSpec("mes", "gateway", 0, None)
MODES = ("single", "services")


def consumer_name(slot: str) -> str:
    """A process slot's consumer name, the same across its restarts ("trace-service#2@host")."""
    return f"{slot}@{socket.gethostname()}"


def parse_replicas(text: str | None) -> dict[str, int]:
    """`"trace-service=3,label-service=2"` → {"trace-service": 3, "label-service": 2}."""
    known = {s.name for s in SERVICES}
    replicas: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        name, sep, count = item.partition("=")
        if not sep or name not in known or not count.isdigit() or int(count) < 1:
            raise ValueError(
                f"bad replica setting {item!r}: use SERVICE=N with N >= 1 and SERVICE one of "
                + ", ".join(sorted(known))
            )
        replicas[name] = int(count)
    return replicas


@dataclass
class StackConfig:
    data_dir: Path
    http_port: int = 8000
    host: str = "127.0.0.1"
    env: str = "dev"
    database_url: str | None = None
    redis_url: str | None = None
    seed_demo_users: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    # Processes per service (default 1), e.g. {"trace-service": 3}; see Stack.start_replicas.
    replicas: dict[str, int] = field(default_factory=dict)
    # "single": one process serves everything; "services": one process per service.
    # MES_MODE sets it for every stack the launcher, the suites, bench and chaos start.
    mode: str = field(default_factory=lambda: os.environ.get("MES_MODE", "single"))

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}: use one of {', '.join(MODES)}")

    @classmethod
    def from_environment(cls, root: Path) -> StackConfig:
        data_dir = Path(os.environ.get("MES_DATA_DIR", root / ".mes")).resolve()
        return cls(
            data_dir=data_dir,
            http_port=int(os.environ.get("MES_HTTP_PORT", "8000")),
            host=os.environ.get("MES_BIND_HOST", "127.0.0.1"),
            env=os.environ.get("MES_ENV", "dev"),
            database_url=os.environ.get("DATABASE_URL"),
            redis_url=os.environ.get("REDIS_URL"),
            seed_demo_users=os.environ.get("MES_SEED_DEMO_USERS", "true").lower() == "true",
            replicas=parse_replicas(os.environ.get("MES_REPLICAS")),
        )


@dataclass
class RunningService:
    spec: ServiceSpec
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Stack:
    def __init__(self, config: StackConfig, *, log: callable = print) -> None:
        self.config = config
        self.log = log
        self.postgres: EmbeddedPostgres | None = None
        self.redis: EmbeddedRedis | None = None
        self.services: dict[str, RunningService] = {}
        self.database_url = config.database_url
        self.redis_url = config.redis_url
        self.logs_dir = config.data_dir / "logs"
        self.single: RunningService | None = None  # the one process of single mode

    # -- data stores -------------------------------------------------------------------
    def start_data_stores(self) -> None:
        if not self.database_url:
            self.postgres = EmbeddedPostgres(self.config.data_dir / "postgres").start()
            self.database_url = self.postgres.url
            self.log(f"PostgreSQL (embedded) on {self.config.data_dir / 'postgres'}")
        if not self.redis_url:
            port = free_port(self.config.http_port + 9)
            self.redis = EmbeddedRedis(self.config.data_dir / "redis", port=port).start()
            self.redis_url = self.redis.url
            self.log(f"Redis (embedded, AOF on) on {self.redis_url}")

    def migrate(self) -> None:
        env = self._base_env()
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "servicekit.migrate", *ALL_PACKAGES],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.log("migrations applied: " + ", ".join(ALL_PACKAGES))

    # -- services ------------------------------------------------------------------------
    def _base_env(self) -> dict[str, str]:
        private_key, public_key = ensure_keypair(self.config.data_dir / "keys")
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": self.database_url or "",
                "REDIS_URL": self.redis_url or "",
                "MES_ENV": self.config.env,
                "MES_JWT_PUBLIC_KEY_FILE": str(public_key),
                "MES_INTERNAL_HOP_KEY_FILE": str(ensure_hop_key(self.config.data_dir / "keys")),
                "MES_DATA_DIR": str(self.config.data_dir),
            }
        )
        env.update(self.config.extra_env)
        env["_MES_PRIVATE_KEY_FILE"] = str(private_key)
        return env

    def start_services(self) -> None:
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        # Started again after a stop: forget the processes that have exited.
        self.services = {n: s for n, s in self.services.items() if s.process.poll() is None}
        base_env = self._base_env()
        if self.config.mode == "single":
            ports = {s.name: free_port(self.config.http_port + s.offset) for s in SERVICES}
            self._spawn_single({**ports, "gateway": self.config.http_port})
        else:
            for spec in SERVICES:
                self._spawn(spec, free_port(self.config.http_port + spec.offset), base_env)
        for name, count in self.config.replicas.items():
            self.start_replicas(name, count - 1, base_env)
        if self.config.mode != "single":
            self.start_gateway(self.config.http_port)

    def _spawn_single(self, ports: dict[str, int]) -> RunningService:
        """The one process of single mode; every service (and the gateway) is an endpoint
        of it, on its own port, so callers and health checks find them as in services mode."""
        urls = {s.name: f"http://127.0.0.1:{ports[s.name]}" for s in SERVICES}
        env = self._gateway_env(urls)
        self._spawn(SINGLE, ports["gateway"], env, host=self.config.host, module=SINGLE_MODULE)
        single = self.services.pop(SINGLE.name)
        self.single = single
        for spec in (*SERVICES, GATEWAY):
            self.services[spec.name] = RunningService(spec, ports[spec.name], single.process)
        return single

    def in_single(self, name: str) -> bool:
        """Whether `name` (a service, the gateway or "mes") lives in the single process."""
        if self.single is None:
            return False
        return name == SINGLE.name or (
            name in self.services and self.services[name].process is self.single.process
        )

    def log_file(self, name: str) -> Path:
        """Where a service's (or the gateway's) lines go: its own file, or in single mode
        the one process's `mes.log`."""
        owner = SINGLE.name if self.in_single(name) else name
        return self.logs_dir / f"{owner.replace('#', '-')}.log"

    def consumer_of(self, name: str) -> str:
        """The consumer name (in its service's group) of the process serving `name`."""
        return consumer_name(SINGLE.name if self.in_single(name) else name)

    def process_names(self) -> list[str]:
        """One name per OS process the stack runs ("mes" for the single process)."""
        names = [n for n in self.services if not self.in_single(n)]
        return [SINGLE.name, *names] if self.single is not None else names

    def process(self, name: str) -> subprocess.Popen:
        if self.in_single(name):
            assert self.single is not None
            return self.single.process
        return self.services[name].process

    def start_replicas(
        self, name: str, count: int, env: dict[str, str] | None = None
    ) -> list[RunningService]:
        """`count` more processes of a running service, on the next free ports after it.

        They share its MES_SERVICE_NAME, hence its consumer group, so the streams' entries
        are split between them; each has its own consumer name (host + pid). The gateway
        keeps sending HTTP to the first process: the replicas add consuming capacity.
        """
        first = self.services[name]
        env = env or self._base_env()
        existing = [n for n in self.services if n == name or n.startswith(f"{name}#")]
        port = max(self.services[n].port for n in existing)
        started = []
        for index in range(len(existing) + 1, len(existing) + 1 + count):
            port = _next_free_port(port + 1)
            replica = ServiceSpec(f"{name}#{index}", first.spec.package, first.spec.offset, None)
            self._spawn(replica, port, env, service_name=name)
            started.append(self.services[replica.name])
        return started

    def replicas_of(self, name: str) -> list[RunningService]:
        """Every process of a service: the first one, then its replicas."""
        return [s for n, s in self.services.items() if n == name or n.startswith(f"{name}#")]

    def start_gateway(
        self, port: int, *, name: str = "gateway", extra_env: dict[str, str] | None = None
    ) -> RunningService:
        """A gateway in front of the running services (more than one can share them)."""
        env = {**self._gateway_env(), **(extra_env or {})}
        spec = GATEWAY if name == "gateway" else ServiceSpec(name, GATEWAY.package, 0, None)
        self._spawn(spec, port, env, host=self.config.host if name == "gateway" else "127.0.0.1")
        return self.services[name]

    def _gateway_env(self, urls: dict[str, str] | None = None) -> dict[str, str]:
        base_env = self._base_env()
        private_key = base_env.pop("_MES_PRIVATE_KEY_FILE")
        urls = urls or {spec.name: self.services[spec.name].url for spec in SERVICES}
        return {
            **base_env,
            **{spec.url_env: urls[spec.name] for spec in SERVICES if spec.url_env},
            "MES_JWT_PRIVATE_KEY_FILE": private_key,
            "MES_SEED_DEMO_USERS": "true" if self.config.seed_demo_users else "false",
            # The audit chain's head is also anchored here (ADR 0010), beside the keys.
            "MES_AUDIT_ANCHOR_FILE": base_env.get("MES_AUDIT_ANCHOR_FILE")
            or str(self.config.data_dir / "audit" / "anchor.json"),
        }

    def _spawn(
        self,
        spec: ServiceSpec,
        port: int,
        env: dict[str, str],
        host: str = "127.0.0.1",
        service_name: str | None = None,
        module: str | None = None,
    ) -> None:
        env = {k: v for k, v in env.items() if k != "_MES_PRIVATE_KEY_FILE"}
        # Replicas of a service share its name: the name is also its consumer group.
        service_name = service_name or ("gateway" if spec.package == "gateway" else spec.name)
        env.update({"MES_PORT": str(port), "MES_HOST": host, "MES_SERVICE_NAME": service_name})
        # A stable consumer name per process slot: a restarted process reads at once what
        # the one before it had read and not acknowledged (servicekit.streams).
        env["MES_CONSUMER_NAME"] = consumer_name(spec.name)
        log_file = open(self.logs_dir / f"{spec.name.replace('#', '-')}.log", "ab")  # noqa: SIM115 - owned by child
        command = (
            [sys.executable, "-m", module]
            if module
            # The container entrypoint's uvicorn flags, with a quieter idle tick.
            else [sys.executable, "-m", "servicekit.serve", f"{spec.package}.app:build_app"]
        )
        process = subprocess.Popen(  # noqa: S603
            command,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log_file.close()
        self.services[spec.name] = RunningService(spec, port, process)

    def start(self, timeout: float = 120.0) -> None:
        """Data stores (unless given), migrations, every service, then wait until ready."""
        phases = []
        for name, step in (
            ("data stores", self.start_data_stores),
            ("migrations", self.migrate),
            ("processes started", self.start_services),
            ("ready", lambda: self.wait_ready(timeout=timeout)),
        ):
            began = time.monotonic()
            step()
            phases.append(f"{name} {time.monotonic() - began:.1f} s")
        self.log("start-up: " + ", ".join(phases))

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        pending = dict(self.services)
        with httpx.Client(timeout=2.0) as client:
            while pending and time.monotonic() < deadline:
                for name, svc in list(pending.items()):
                    if svc.process.poll() is not None:
                        log_file = self.logs_dir / (name + ".log")
                        raise RuntimeError(
                            f"{name} exited with {svc.process.returncode}; see {log_file}; "
                            f"its last lines:\n{_tail(log_file)}"
                        )
                    with contextlib.suppress(httpx.HTTPError):
                        if client.get(svc.url + "/ready").status_code == 200:
                            del pending[name]
                if pending:
                    time.sleep(0.1)
        if pending:
            raise TimeoutError(f"not ready after {timeout}s: {', '.join(pending)}")

    @property
    def gateway_url(self) -> str:
        host = self.config.host if self.config.host not in ("0.0.0.0", "::") else "127.0.0.1"
        return f"http://{host}:{self.services['gateway'].port}"

    def state(self) -> dict:
        return {
            "mode": self.config.mode,
            "supervisor_pid": os.getpid(),
            "gateway_url": self.gateway_url,
            "database_url": self.database_url,
            "redis_url": self.redis_url,
            "postgres_dir": str(self.postgres.data_dir) if self.postgres else None,
            "redis_pid": self.redis.process.pid if self.redis and self.redis.process else None,
            "services": {
                n: {"port": s.port, "pid": s.process.pid} for n, s in self.services.items()
            },
        }

    def kill_service(self, name: str) -> None:
        """SIGKILL one process, as a crash would; `respawn` starts it again. In single
        mode a service's process is the one process: all of it goes down."""
        process = self.process(name)
        if process.poll() is None:
            process.kill()
        process.wait(10)

    def respawn(self, name: str) -> RunningService:
        """Start an exited (or killed) process again under its name, on its port."""
        if self.in_single(name):
            assert self.single is not None
            if self.single.process.poll() is None:
                raise RuntimeError(f"{name} is still running (pid {self.single.process.pid})")
            ports = {spec.name: self.services[spec.name].port for spec in (*SERVICES, GATEWAY)}
            single = self._spawn_single(ports)
            return single if name == SINGLE.name else self.services[name]
        old = self.services[name]
        if old.process.poll() is None:
            raise RuntimeError(f"{name} is still running (pid {old.process.pid})")
        if old.spec.package == "gateway":
            host = self.config.host if name == "gateway" else "127.0.0.1"
            self._spawn(old.spec, old.port, self._gateway_env(), host=host)
        else:
            self._spawn(old.spec, old.port, self._base_env(), service_name=name.split("#")[0])
        return self.services[name]

    # -- shutdown ------------------------------------------------------------------------
    def stop_service(self, name: str, timeout: float = 15.0) -> None:
        """Stop one process and forget it (start_gateway can start it again)."""
        if name in self.services:
            self.stop_process(name, timeout)
            del self.services[name]

    def stop_process(self, name: str, timeout: float = 15.0) -> None:
        """SIGTERM one process and wait (SIGKILL after `timeout`); `respawn` starts it again."""
        process = self.process(name)
        if process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def stop(self) -> None:
        # Gateways first (no new requests), then services, then the data stores.
        gateways = [n for n, s in self.services.items() if s.spec.package == "gateway"]
        for name in [*gateways, *[n for n in self.services if n not in gateways]]:
            self.stop_service(name)
        if self.redis:
            self.redis.stop()
        if self.postgres:
            self.postgres.stop()


SINGLE_MODULE = "gateway.single_process"


def _next_free_port(start: int) -> int:
    """The first port from `start` up that is free (any free port after 100 tries)."""
    for port in range(start, min(start + 100, 65536)):
        if free_port(port) == port:
            return port
    return free_port()


def write_state(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(path)


def _tail(path: Path, lines: int = 30) -> str:
    """The end of a log (a test stack's logs go with its temporary directory)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(unreadable: {exc})"
