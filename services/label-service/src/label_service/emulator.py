"""A label-printer emulator for tests and demos: listens on a loopback TCP port, keeps the
labels it receives and answers status queries the way the vendors document them.

    python -m label_service.emulator --port 9100 --language ZPL --state ready [--silent-faults]

`--silent-faults` models the Zebra models that send no `~HS` answer at all while out of
media, out of ribbon or with the head open. State `not_responding` never answers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import signal

from mes_contracts.enums import PrinterLanguage
from mes_label_drivers.drivers import PrinterState
from mes_label_drivers.drivers.escpos import status_bytes
from mes_label_drivers.drivers.ezpl import check_code
from mes_label_drivers.drivers.tspl import status_byte
from mes_label_drivers.drivers.zpl import host_status_answer

_SILENT_FAULTS = {PrinterState.PAPER_OUT, PrinterState.HEAD_OPEN, PrinterState.RIBBON_OUT}
# (status request, end of one label) per language.
_PROTOCOL: dict[PrinterLanguage, tuple[bytes, re.Pattern[bytes]]] = {
    PrinterLanguage.ZPL: (b"~HS", re.compile(rb"\^XZ")),
    PrinterLanguage.TSPL: (b"\x1b!?", re.compile(rb"PRINT [0-9]+(,[0-9]+)?\r\n")),
    PrinterLanguage.EZPL: (b"~S,CHECK\r\n", re.compile(rb"\r\nE\r\n")),
    PrinterLanguage.ESCPOS: (b"\x10\x04", re.compile(rb"\x1dVB\x00")),
}


def status_answer(language: PrinterLanguage, state: PrinterState, request: bytes) -> bytes:
    if language is PrinterLanguage.ZPL:
        return host_status_answer(
            paper_out=state is PrinterState.PAPER_OUT,
            paused=state is PrinterState.PAUSED,
            head_up=state is PrinterState.HEAD_OPEN,
            ribbon_out=state is PrinterState.RIBBON_OUT,
            buffer_full=state is PrinterState.BUFFER_FULL,
        )
    if language is PrinterLanguage.TSPL:
        return status_byte(state)
    if language is PrinterLanguage.EZPL:
        return check_code(state)
    index = {1: 0, 2: 1, 4: 2}.get(request[-1], 0)  # DLE EOT n
    return status_bytes(state)[index : index + 1]


class EmulatedPrinter:
    """The device without I/O: feed it bytes, get the answer bytes back."""

    def __init__(
        self,
        language: PrinterLanguage | str = PrinterLanguage.ZPL,
        state: PrinterState | str = PrinterState.READY,
        *,
        silent_faults: bool = False,
    ) -> None:
        self.language = PrinterLanguage(language)
        self.state = PrinterState(state)
        self.silent_faults = silent_faults
        self.labels: list[bytes] = []  # printed
        self.rejected: list[bytes] = []  # received while not ready
        self.status_queries = 0
        self._buffer = b""

    def _answers(self) -> bool:
        if self.state in (PrinterState.NOT_RESPONDING, PrinterState.NOT_CONNECTED):
            return False
        return not (self.silent_faults and self.state in _SILENT_FAULTS)

    def feed(self, data: bytes) -> bytes:
        request, label_end = _PROTOCOL[self.language]
        request_len = len(request) + (1 if self.language is PrinterLanguage.ESCPOS else 0)
        self._buffer += data
        out = b""
        while True:
            s = self._buffer.find(request)
            end = label_end.search(self._buffer)
            if s >= 0 and (end is None or s < end.start()):
                if len(self._buffer) < s + request_len:
                    break  # the rest of the query is still on its way
                query = self._buffer[s : s + request_len]
                self._buffer = self._buffer[s + request_len :]
                self.status_queries += 1
                if self._answers():
                    out += status_answer(self.language, self.state, query)
            elif end is not None:
                label = self._buffer[: end.end()].strip(b"\r\n ")
                self._buffer = self._buffer[end.end() :]
                (self.labels if self.state is PrinterState.READY else self.rejected).append(label)
            else:
                break
        return out


class PrinterEmulator(EmulatedPrinter):
    """The device on a loopback TCP port (raw 9100-style socket)."""

    def __init__(self, *args: object, host: str = "127.0.0.1", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.host = host
        self.port = 0
        self._server: asyncio.Server | None = None
        self.label_received = asyncio.Event()

    async def start(self, port: int = 0) -> PrinterEmulator:
        self._server = await asyncio.start_server(self._serve, self.host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                before = len(self.labels)
                answer = self.feed(data)
                if answer:
                    writer.write(answer)
                    await writer.drain()
                if len(self.labels) > before:
                    self.label_received.set()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def wait_for_labels(self, count: int, within: float = 15.0) -> list[bytes]:
        async with asyncio.timeout(within):
            while len(self.labels) < count:
                self.label_received.clear()
                await self.label_received.wait()
        return self.labels


async def _main(args: argparse.Namespace) -> None:
    emu = PrinterEmulator(
        args.language, args.state, silent_faults=args.silent_faults, host=args.host
    )
    await emu.start(args.port)
    print(f"{emu.language} printer emulator ({emu.state}) on {emu.host}:{emu.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    seen = 0
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)
        for label in emu.labels[seen:]:
            print(f"label #{seen + 1}: {len(label)} bytes", flush=True)
            seen += 1
    await emu.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--language", default="ZPL", choices=[x.value for x in PrinterLanguage])
    parser.add_argument("--state", default="ready", choices=[s.value for s in PrinterState])
    parser.add_argument("--silent-faults", action="store_true")
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
