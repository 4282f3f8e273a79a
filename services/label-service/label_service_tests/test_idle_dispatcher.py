"""The dispatcher of an idle line does not poll (issue 16: an idle stack < 1 % of a core):
with no job open it waits for the next new job, which wakes it, instead of querying every
`label_dispatch_interval`. Jobs still print at once, and retries still fall due while
any job is open. Real label-service, PostgreSQL, Redis and a printer emulator."""

from __future__ import annotations

from label_service.emulator import PrinterEmulator

from .conftest import LabelStack, closed_port, eventually, lot_created

# An idle look this long never fires within a test: whatever prints was woken or retried.
LABEL_SETTINGS = {"label_idle_dispatch_interval": 3600.0}


async def test_a_new_job_wakes_an_idle_dispatcher(label_stack: LabelStack) -> None:
    s = label_stack
    emu = await s.emulator("ZPL")
    await s.register("PRINTER-21", emu.port, purpose="LOT")
    for n, lot in enumerate(("WF-KR-251110D-301", "WF-KR-251110D-302"), start=1):
        # Each LOT arrives when nothing is open: the dispatcher sleeps its idle look.
        await s.publish("lot.created", lot_created(lot, 10))
        labels = await emu.wait_for_labels(n, within=10)
        assert f"^FD{lot}^FS".encode() in labels[-1]
    # The next test's LOT labels go to its own printer.
    r = await s.http.patch(
        "/api/v1/printers/PRINTER-21", json={"active": False}, headers=s.headers("admin")
    )
    assert r.status_code == 200, r.text


async def test_retries_fall_due_while_a_job_is_open(label_stack: LabelStack) -> None:
    s = label_stack
    port = closed_port()
    await s.register("PRINTER-22", port, purpose="LOT")
    lot = "WF-KR-251110D-303"
    await s.publish("lot.created", lot_created(lot, 10))

    async def retrying() -> bool:
        return await s.job_states(lot_number=lot) == ["retrying"]

    await eventually(retrying)
    # Nothing new arrives to wake it: the retry is found by the busy look alone.
    emu = await PrinterEmulator("ZPL").start(port)
    s.emulators.append(emu)
    labels = await emu.wait_for_labels(1, within=15)
    assert f"^FD{lot}^FS".encode() in labels[0]
