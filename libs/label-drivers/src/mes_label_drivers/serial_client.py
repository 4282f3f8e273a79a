"""Client side of serial printers: the workstation (issue #8) imports `SerialPrinter` to
print the jobs it fetched from `GET /api/v1/label/jobs?station_id=…&state=pending`.

    printer = SerialPrinter("COM3", 9600, "ZPL")
    report = printer.print_job(base64.b64decode(job["content_base64"]))
    # then POST /api/v1/label/jobs/{id}/result with printed / failed + report.state

Same rule as the server's TCP path: ask the status first, send nothing unless ready.
Blocking (pyserial); call it from a worker thread in a GUI.
"""

from __future__ import annotations

import time

import serial  # pyserial

from .drivers import Driver, MalformedStatus, PrinterState, StatusReport, driver_for


class SerialPrinter:
    def __init__(
        self,
        port: str,
        baudrate: int = 9600,
        language: str = "ZPL",
        *,
        status_timeout: float = 2.0,
        write_timeout: float = 20.0,
        driver: Driver | None = None,
    ) -> None:
        self.port, self.baudrate = port, baudrate
        self.driver = driver or driver_for(language)
        self.status_timeout, self.write_timeout = status_timeout, write_timeout

    def _open(self) -> serial.Serial:
        return serial.serial_for_url(
            self.port,
            baudrate=self.baudrate,
            timeout=0.05,
            write_timeout=self.write_timeout,
            rtscts=False,
            dsrdtr=False,
        )

    def _status(self, link: serial.Serial) -> StatusReport:
        link.reset_input_buffer()
        link.write(self.driver.status_request)
        link.flush()
        buffer = b""
        deadline = time.monotonic() + self.status_timeout
        while not self.driver.reply_complete(buffer):
            if time.monotonic() > deadline:
                detail = f"no status answer in {self.status_timeout:g} s"
                return StatusReport(PrinterState.NOT_RESPONDING, detail)
            buffer += link.read(256)
        try:
            return self.driver.parse_status(buffer)
        except MalformedStatus as exc:
            return StatusReport(PrinterState.NOT_RESPONDING, str(exc))

    def status(self) -> StatusReport:
        try:
            with self._open() as link:
                return self._status(link)
        except serial.SerialException as exc:
            return StatusReport(PrinterState.NOT_CONNECTED, str(exc))

    def print_job(self, content: bytes) -> StatusReport:
        """Send one job's bytes if the printer is ready; the report says what happened
        (READY = written; anything else = nothing was written)."""
        try:
            with self._open() as link:
                report = self._status(link)
                if report.state is not PrinterState.READY:
                    return report
                link.write(content)
                link.flush()
                return report
        except (serial.SerialException, OSError) as exc:
            return StatusReport(PrinterState.NOT_CONNECTED, str(exc))
