"""Raw TCP and serial transports against the emulator (loopback port, pseudo-terminal)."""

from __future__ import annotations

import os
import select
import threading
from datetime import date

import pytest
from label_service.emulator import EmulatedPrinter, PrinterEmulator
from label_service.transport import PrinterUnavailable, TcpPrinter, Timeouts
from mes_contracts.enums import LabelType
from mes_label_drivers.drivers import PrinterState, driver_for
from mes_label_drivers.labels import LabelData, Media
from mes_label_drivers.serial_client import SerialPrinter

from .conftest import closed_port

LABEL = LabelData(
    LabelType.SERIAL, "WF-KR-251110D-003", "Withforce", date(2025, 1, 10), "WF-KR-251110D-003-0001"
)
FAST = Timeouts(connect=1.0, status=0.3, write=5.0)


@pytest.mark.parametrize("language", ["ZPL", "TSPL", "EZPL", "ESCPOS"])
async def test_tcp_batch_arrives_in_one_connection(language: str) -> None:
    emu = await PrinterEmulator(language).start()
    try:
        driver = driver_for(language)
        payload = driver.render(LABEL, Media())
        await TcpPrinter("127.0.0.1", emu.port, driver, FAST).print_batch([payload] * 3)
        labels = await emu.wait_for_labels(3, within=5)
        assert labels == [payload.strip(b"\r\n ")] * 3
        # Asked once before the batch (ESC/POS: DLE EOT 1, 2 and 4).
        assert emu.status_queries == (3 if language == "ESCPOS" else 1)
    finally:
        await emu.stop()


@pytest.mark.parametrize(
    "state,silent,expected",
    [
        ("paper_out", False, PrinterState.PAPER_OUT),
        ("head_open", False, PrinterState.HEAD_OPEN),
        ("paper_out", True, PrinterState.NOT_RESPONDING),  # a ZT that says nothing
        ("not_responding", False, PrinterState.NOT_RESPONDING),
    ],
)
async def test_tcp_refuses_to_send_unless_ready(
    state: str, silent: bool, expected: PrinterState
) -> None:
    emu = await PrinterEmulator("ZPL", state, silent_faults=silent).start()
    try:
        printer = TcpPrinter("127.0.0.1", emu.port, driver_for("ZPL"), FAST)
        with pytest.raises(PrinterUnavailable) as caught:
            await printer.print_batch([driver_for("ZPL").render(LABEL, Media())])
        assert caught.value.report.state is expected
        assert (await printer.status()).state is expected
        assert emu.labels == [] and emu.rejected == []  # nothing was written
    finally:
        await emu.stop()


async def test_tcp_nothing_listening_is_not_connected() -> None:
    printer = TcpPrinter("127.0.0.1", closed_port(), driver_for("ZPL"), FAST)
    assert (await printer.status()).state is PrinterState.NOT_CONNECTED
    with pytest.raises(PrinterUnavailable) as caught:
        await printer.print_batch([b"^XA^XZ"])
    assert caught.value.report.state is PrinterState.NOT_CONNECTED


class PtyPrinter:
    """An emulated printer on the master side of a pseudo-terminal pair."""

    def __init__(self, language: str, state: str = "ready") -> None:
        self.device = EmulatedPrinter(language, state)
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        self._slave = slave
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    return
                answer = self.device.feed(data)
                if answer:
                    os.write(self.master, answer)

    def close(self) -> None:
        self._stop.set()
        self.thread.join(2)
        os.close(self.master)
        os.close(self._slave)


@pytest.mark.parametrize("language", ["ZPL", "TSPL"])
def test_serial_printer_on_a_pty(language: str) -> None:
    pty = PtyPrinter(language)
    try:
        printer = SerialPrinter(pty.path, 9600, language, status_timeout=1.0)
        assert printer.status().state is PrinterState.READY
        content = driver_for(language).render(LABEL, Media())
        assert printer.print_job(content).state is PrinterState.READY
        for _ in range(100):
            if pty.device.labels:
                break
            threading.Event().wait(0.02)
        assert pty.device.labels == [content.strip(b"\r\n ")]
        pty.device.state = PrinterState.PAPER_OUT
        assert printer.print_job(content).state is PrinterState.PAPER_OUT
        assert len(pty.device.labels) == 1 and pty.device.rejected == []
    finally:
        pty.close()


def test_serial_printer_missing_port_is_not_connected() -> None:
    report = SerialPrinter("/dev/does-not-exist", 9600, "ZPL").status()
    assert report.state is PrinterState.NOT_CONNECTED
