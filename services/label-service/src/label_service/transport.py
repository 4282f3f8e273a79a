"""Raw TCP (port 9100) I/O: ask the status, then send a batch over the same connection."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from mes_label_drivers.drivers import Driver, MalformedStatus, PrinterState, StatusReport


@dataclass(frozen=True)
class Timeouts:
    connect: float = 3.0
    status: float = 2.0
    write: float = 20.0


class PrinterUnavailable(Exception):
    """The printer cannot take the job now; `report` says why."""

    def __init__(self, report: StatusReport) -> None:
        super().__init__(f"{report.state}: {report.detail}")
        self.report = report


async def read_status(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, driver: Driver, within: float
) -> StatusReport:
    writer.write(driver.status_request)
    await writer.drain()
    buffer = b""
    try:
        async with asyncio.timeout(within):
            while not driver.reply_complete(buffer):
                chunk = await reader.read(256)
                if not chunk:
                    return StatusReport(PrinterState.NOT_RESPONDING, "closed without answering")
                buffer += chunk
    except TimeoutError:
        return StatusReport(PrinterState.NOT_RESPONDING, f"no status answer in {within:g} s")
    try:
        return driver.parse_status(buffer)
    except MalformedStatus as exc:
        return StatusReport(PrinterState.NOT_RESPONDING, str(exc))


class TcpPrinter:
    """One raw-TCP printer. `print_batch` writes every label over one connection, after a
    status query on that connection; it raises PrinterUnavailable and writes nothing unless
    the printer reports ready."""

    def __init__(self, host: str, port: int, driver: Driver, timeouts: Timeouts) -> None:
        self.host, self.port, self.driver, self.timeouts = host, port, driver, timeouts

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            async with asyncio.timeout(self.timeouts.connect):
                return await asyncio.open_connection(self.host, self.port)
        except (OSError, TimeoutError) as exc:
            detail = f"{self.host}:{self.port}: {exc.__class__.__name__} {exc}".strip()
            raise PrinterUnavailable(StatusReport(PrinterState.NOT_CONNECTED, detail)) from exc

    async def status(self) -> StatusReport:
        try:
            reader, writer = await self._open()
        except PrinterUnavailable as exc:
            return exc.report
        try:
            return await read_status(reader, writer, self.driver, self.timeouts.status)
        except OSError as exc:
            return StatusReport(PrinterState.NOT_CONNECTED, str(exc))
        finally:
            await _close(writer)

    async def print_batch(self, payloads: list[bytes]) -> None:
        reader, writer = await self._open()
        try:
            report = await read_status(reader, writer, self.driver, self.timeouts.status)
            if report.state is not PrinterState.READY:
                raise PrinterUnavailable(report)
            writer.write(b"".join(payloads))
            async with asyncio.timeout(self.timeouts.write):
                await writer.drain()
        except (OSError, TimeoutError) as exc:
            report = StatusReport(PrinterState.NOT_CONNECTED, f"write failed: {exc!r}")
            raise PrinterUnavailable(report) from exc
        finally:
            await _close(writer)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(Exception):
        async with asyncio.timeout(2):
            await writer.wait_closed()
