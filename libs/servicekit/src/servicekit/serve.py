"""Serve one service's app under uvicorn, as the launcher's services mode runs it:

    python -m servicekit.serve lot_service.app:build_app

Host and port come from MES_HOST / MES_PORT (the service's settings read the same). The
flags are those of the container entrypoint; what differs from the `uvicorn` command is
the server's idle tick (`QuietServer`), which the single process uses as well.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import uvicorn


class QuietServer(uvicorn.Server):
    """uvicorn wakes every 0.1 s to check for shutdown and refresh its Date header: the
    largest share of an idle service's CPU. Once a second (the Date header's own
    resolution) is enough; the counter steps by 10 so that every tick refreshes it.
    Shutdown is at most a second later."""

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter += 10
            await asyncio.sleep(1.0)


def server_config(app: Any, host: str, port: int, **options: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        log_config=None,  # our JSON logging (servicekit.logging)
        access_log=False,
        server_header=False,  # no product banner to look vulnerabilities up by
        proxy_headers=False,  # the client address is resolved by us (ADR 0007)
        # Longer than the gateway keeps idle upstream connections (30 s) and than clients
        # that pause between requests expect: no request on a closing socket.
        timeout_keep_alive=75,
        timeout_graceful_shutdown=10,
        **options,
    )


def main(argv: list[str]) -> None:
    if len(argv) != 1 or ":" not in argv[0]:
        sys.exit("usage: python -m servicekit.serve PACKAGE.app:build_app")
    host = os.environ.get("MES_HOST", "127.0.0.1")
    port = int(os.environ.get("MES_PORT", "8000"))
    QuietServer(server_config(argv[0], host, port, factory=True)).run()


if __name__ == "__main__":
    main(sys.argv[1:])
