"""Keeps the stack running, like a process manager: a process that exits is started again
on its own port after a backoff; one that keeps crashing is left stopped with a clear
message, and everything else keeps running. `./mes status` shows the restarts.

The policy (`RestartPolicy`, `ChildState`) is pure and unit-tested; `Supervisor` applies it
to the stack's services, gateways and embedded data stores, one `tick()` at a time.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .stack import Stack


@dataclass(frozen=True)
class RestartPolicy:
    initial_delay: float = 1.0  # seconds before the first restart
    max_delay: float = 30.0  # the backoff doubles up to this
    max_restarts: int = 5  # crashes within `window` that mean a crash loop
    window: float = 120.0
    stable_after: float = 30.0  # an uptime this long resets the backoff

    @classmethod
    def from_environment(cls, env: dict[str, str] | os._Environ = os.environ) -> RestartPolicy:
        def number(key: str, default: float) -> float:
            return float(env.get(key, default))

        return cls(
            initial_delay=number("MES_RESTART_DELAY_SECONDS", cls.initial_delay),
            max_delay=number("MES_RESTART_MAX_DELAY_SECONDS", cls.max_delay),
            max_restarts=int(number("MES_RESTART_LIMIT", cls.max_restarts)),
            window=number("MES_RESTART_WINDOW_SECONDS", cls.window),
            stable_after=number("MES_RESTART_STABLE_SECONDS", cls.stable_after),
        )


@dataclass
class ChildState:
    """What the supervisor knows of one process it keeps alive."""

    name: str
    started_at: float
    restarts: int = 0  # every restart after a crash since `./mes up`
    consecutive: int = 0  # crashes since the last stable run: drives the backoff
    crashes: deque[float] = field(default_factory=deque)  # crash times within the window
    restart_at: float | None = None  # a restart is due then
    gave_up: bool = False
    last_exit: int | None = None

    def crashed(self, now: float, code: int | None, policy: RestartPolicy) -> float | None:
        """Note an exit; returns the delay before the restart, or None for a crash loop."""
        self.last_exit = code
        if now - self.started_at >= policy.stable_after:
            self.consecutive = 0
        self.consecutive += 1
        self.crashes.append(now)
        while self.crashes and now - self.crashes[0] > policy.window:
            self.crashes.popleft()
        if len(self.crashes) > policy.max_restarts:
            self.gave_up = True
            self.restart_at = None
            return None
        delay = min(policy.initial_delay * 2 ** (self.consecutive - 1), policy.max_delay)
        self.restart_at = now + delay
        return delay

    def started(self, now: float, *, after_crash: bool) -> None:
        self.started_at = now
        self.restart_at = None
        if after_crash:
            self.restarts += 1

    def retry(self, now: float) -> None:
        """An operator's `./mes restart`: forget the crash loop and start now."""
        self.gave_up = False
        self.crashes.clear()
        self.consecutive = 0
        self.restart_at = now

    @property
    def state(self) -> str:
        if self.gave_up:
            return "failed"
        return "restarting" if self.restart_at is not None else "running"


def retry_marker(run_dir: Path, name: str) -> Path:
    """`./mes restart NAME` leaves this file; the supervisor picks it up at its next tick."""
    return run_dir / f"restart-{name.replace('#', '-')}"


class Supervisor:
    def __init__(
        self,
        stack: Stack,
        policy: RestartPolicy,
        *,
        run_dir: Path,
        on_change: Callable[[], None],
        log: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stack = stack
        self.policy = policy
        self.run_dir = run_dir
        self.on_change = on_change  # e.g. rewrite the state file `./mes status` reads
        self.log = log
        self.clock = clock
        now = clock()
        self.children = {name: ChildState(name, now) for name in stack.process_names()}
        # The embedded data stores too (not servers given by DATABASE_URL / REDIS_URL).
        if stack.redis is not None:
            self.children["redis"] = ChildState("redis", now)
        if stack.postgres is not None:
            self.children["postgres"] = ChildState("postgres", now)

    def _say(self, text: str) -> None:
        self.log(f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} supervisor: {text}")

    def _exit_code(self, name: str) -> int | None:
        """The exit code of a process that has exited (-1 if unknown), else None."""
        if name == "postgres":
            assert self.stack.postgres is not None
            return None if self.stack.postgres.running() else -1
        if name == "redis":
            process = self.stack.redis.process if self.stack.redis else None
            return -1 if process is None else process.poll()
        return self.stack.process(name).poll()

    def _start(self, name: str) -> int | None:
        if name == "postgres":
            assert self.stack.postgres is not None
            return self.stack.postgres.start().pid()  # crash recovery on its data
        if name == "redis":
            assert self.stack.redis is not None
            self.stack.redis.process = None
            self.stack.redis.start()  # same port, same AOF
            assert self.stack.redis.process is not None
            return self.stack.redis.process.pid
        return self.stack.respawn(name).process.pid

    def _stop(self, name: str) -> None:
        if name == "postgres":
            assert self.stack.postgres is not None
            self.stack.postgres.stop()
        elif name == "redis":
            assert self.stack.redis is not None
            self.stack.redis.stop()
        else:
            self.stack.stop_process(name)

    def tick(self) -> None:
        changed = False
        for name, child in self.children.items():
            now = self.clock()
            if self._take_retry_request(name):
                changed = True
                self._restart_on_request(name, child, now)
                continue
            if child.gave_up:
                continue
            if child.restart_at is None:
                code = self._exit_code(name)
                if code is None:
                    continue
                changed = True
                delay = child.crashed(now, code, self.policy)
                if delay is None:
                    self._say(
                        f"{name} keeps crashing ({len(child.crashes)} exits within "
                        f"{self.policy.window:.0f} s, last exit code {code}): left stopped, the "
                        f"rest keeps running. See {self._log_file(name)}; after fixing, run "
                        f"./mes restart {name}"
                    )
                    continue
                self._say(
                    f"{name} exited (code {code}); restarting in {delay:g} s "
                    f"(restart {child.restarts + 1}; log {self._log_file(name)})"
                )
            if child.restart_at is not None and now >= child.restart_at:
                changed = True
                self._launch(name, child, now, after_crash=True)
        if changed:
            self.on_change()

    def _launch(self, name: str, child: ChildState, now: float, *, after_crash: bool) -> None:
        try:
            pid = self._start(name)
        except Exception as exc:  # e.g. the port is still taken: counts as a crash
            child.started(now, after_crash=after_crash)
            delay = child.crashed(now, None, self.policy)
            self._say(
                f"{name} could not start ({exc}); "
                + (f"trying again in {delay:g} s" if delay is not None else "left stopped")
            )
            return
        child.started(now, after_crash=after_crash)
        self._say(f"{name} started again (pid {pid})")

    def _restart_on_request(self, name: str, child: ChildState, now: float) -> None:
        if self._exit_code(name) is None:  # running: stop it gracefully first
            self._stop(name)
        child.retry(now)
        self._say(f"{name}: restart requested")
        self._launch(name, child, now, after_crash=False)

    def _take_retry_request(self, name: str) -> bool:
        marker = retry_marker(self.run_dir, name)
        if not marker.exists():
            return False
        marker.unlink(missing_ok=True)
        return True

    def _log_file(self, name: str) -> Path:
        if name == "redis":
            return self.stack.config.data_dir / "redis" / "redis.log"
        if name == "postgres":
            return self.stack.config.data_dir / "postgres" / "log"
        return self.stack.logs_dir / f"{name.replace('#', '-')}.log"

    def status(self) -> dict[str, dict[str, object]]:
        """Per process: restarts, state, last exit code (merged into the state file)."""
        return {
            name: {"restarts": c.restarts, "state": c.state, "last_exit": c.last_exit}
            for name, c in self.children.items()
        }
