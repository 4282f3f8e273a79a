"""Label use cases a person waits for: print, reprint, workstation results, retry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mes_contracts.api.label import JobResult, LotLabelRequest, ReprintRequest, SerialLabelRequest
from mes_contracts.enums import LabelType
from mes_contracts.envelope import Actor
from mes_contracts.errors import ErrorCode, MesError
from mes_label_drivers.drivers import STATE_ERRORS, PrinterState, StatusReport
from mes_label_drivers.labels import LabelData

from . import repository as repo
from .choice import NO_PRINTER_MESSAGE, choose
from .jobs import Jobs, initial_state, printer_status
from .transport import PrinterUnavailable


def label_from_request(body: LotLabelRequest | SerialLabelRequest) -> LabelData:
    """What a print or preview request asks for (validated by `Jobs.check` before use)."""
    serial = body.serial_number if isinstance(body, SerialLabelRequest) else None
    quantity = body.target_quantity if isinstance(body, LotLabelRequest) else None
    return LabelData(
        LabelType(body.label_type),
        body.lot_number,
        body.product_model,
        body.created_date,
        serial,
        quantity,
    )


class LabelService:
    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs
        self.rt = jobs.rt

    async def _printer(self, session: Any, label: LabelData, printer_id: str | None) -> dict:
        if printer_id:
            printer = await repo.get_printer(session, printer_id)
            if printer is None or not printer["active"]:
                data = {"printer_id": printer_id, "active": bool(printer)}
                raise MesError(ErrorCode.PRINTER_NOT_FOUND, data=data)
            return printer
        choice = await choose(
            session, self.jobs.settings, label.label_type, label.lot_number, waited=True
        )
        if choice.printer is None:
            raise MesError(
                ErrorCode.NO_PRINTER_ASSIGNED,
                data={"label_type": label.label_type.value, "station_id": choice.station},
                detail=NO_PRINTER_MESSAGE,
            )
        return choice.printer

    async def print_now(
        self,
        label: LabelData,
        printer_id: str | None,
        actor: Actor,
        *,
        reprint: bool = False,
        reason: str | None = None,
        correlation_id: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Print while the caller waits; returns (job, printed). A printer problem is the
        caller's answer (an error) and the job ends `failed` — no silent retry behind a
        person's back. Serial-port printers get a `pending` job for their workstation."""
        if reprint and not (reason and reason.strip()):
            raise MesError(ErrorCode.REASON_REQUIRED, data={"field": "reason"})
        label = self.jobs.check(label)  # what the preview refuses never reaches a printer
        db = self.rt.db
        async with db.transaction() as session:
            printer = await self._printer(session, label, printer_id)
            tcp = printer["transport"] == "TCP"
            row = self.jobs.row(
                label,
                printer,
                source="reprint" if reprint else "api",
                state="sending" if tcp else None,
                reprint=reprint,
                reason=reason,
                actor=actor,
            )
            job = (await repo.insert_jobs(session, [row]))[0]
            if reprint:
                await repo.insert_reprint(
                    session,
                    {
                        "job_id": job["id"],
                        "label_type": job["label_type"],
                        "lot_number": job["lot_number"],
                        "serial_number": job["serial_number"],
                        "printer_id": job["printer_id"],
                        "reason": reason,
                        "requested_by": job["requested_by"],
                        "worker_id": job["worker_id"],
                    },
                )
            if tcp:
                content = self.jobs.render(job, printer)  # INVALID_LABEL_DATA rolls back
        if not tcp:
            return job, False
        try:
            await self.jobs.tcp(printer).print_batch([content])
        except PrinterUnavailable as exc:
            await self._fail(job, exc.report, actor, correlation_id)
            raise MesError(
                STATE_ERRORS[exc.report.state],
                data={
                    "printer_id": printer["printer_id"],
                    "job_id": str(job["id"]),
                    "printer_status": printer_status(exc.report),
                    "detail": exc.report.detail,
                },
            ) from exc
        at = datetime.now(UTC)
        async with db.transaction() as session:
            await self.jobs.printed(session, [job], at, actor=actor, correlation_id=correlation_id)
        return {**job, "state": "sent", "sent_at": at}, True

    async def _fail(self, job: dict, report: StatusReport, actor: Actor, corr: str | None) -> None:
        async with self.rt.db.transaction() as session:
            await self.jobs.failed(
                session,
                [job],
                datetime.now(UTC),
                STATE_ERRORS[report.state],
                report.detail or report.state.value,
                retry=False,
                actor=actor,
                correlation_id=corr,
            )

    async def reprint(
        self, body: ReprintRequest, actor: Actor, correlation_id: str | None = None
    ) -> tuple[dict[str, Any], bool]:
        if not (body.reason and body.reason.strip()):
            raise MesError(ErrorCode.REASON_REQUIRED, data={"field": "reason"})
        lot = body.lot_number or (body.serial_number or "").rsplit("-", 1)[0]
        async with self.rt.db.transaction() as session:
            last = await repo.latest_job(session, lot, body.serial_number)
        if last is None:
            code = ErrorCode.SERIAL_NOT_FOUND if body.serial_number else ErrorCode.LOT_NOT_FOUND
            raise MesError(
                code,
                data={
                    "lot_number": body.lot_number,
                    "serial_number": body.serial_number,
                    "reason": "no label of it on record",
                },
            )
        label = LabelData.from_json(last["data"])
        printer_id = body.printer_id
        if printer_id is None and last["printer_id"]:  # where it was printed, if still there
            async with self.rt.db.transaction() as session:
                previous = await repo.get_printer(session, last["printer_id"])
            printer_id = previous["printer_id"] if previous and previous["active"] else None
        return await self.print_now(
            label,
            printer_id,  # None: the same resolution as a new label of this LOT
            actor,
            reprint=True,
            reason=body.reason.strip(),
            correlation_id=correlation_id,
        )

    async def record_result(
        self, job_id: int, result: JobResult, actor: Actor, correlation_id: str | None
    ) -> dict[str, Any]:
        """A workstation's outcome for a serial-port job; repeating a result is harmless."""
        async with self.rt.db.transaction() as session:
            job = await repo.get_job(session, job_id, for_update=True)
            if job is None:
                raise MesError(ErrorCode.NOT_FOUND, data={"job_id": str(job_id)})
            if job["state"] == "sent" or (job["state"] == "failed" and result.result == "failed"):
                return job
            if job["state"] not in ("pending", "failed"):
                raise MesError(
                    ErrorCode.CONFLICT, data={"job_id": str(job_id), "state": job["state"]}
                )
            now = datetime.now(UTC)
            if result.result == "printed":
                await self.jobs.printed(
                    session, [job], now, actor=actor, correlation_id=correlation_id
                )
            else:
                code = result.error_code or STATE_ERRORS[PrinterState.NOT_CONNECTED]
                await self.jobs.failed(
                    session,
                    [job],
                    now,
                    code,
                    result.message or code,
                    retry=False,
                    actor=actor,
                    correlation_id=correlation_id,
                )
            return await repo.get_job(session, job_id) or job

    async def retry(self, job_id: int) -> dict[str, Any]:
        """Put a failed job back in line (its printer's dispatcher or workstation)."""
        async with self.rt.db.transaction() as session:
            job = await repo.get_job(session, job_id, for_update=True)
            if job is None:
                raise MesError(ErrorCode.NOT_FOUND, data={"job_id": str(job_id)})
            if job["state"] != "failed":
                raise MesError(
                    ErrorCode.CONFLICT, data={"job_id": str(job_id), "state": job["state"]}
                )
            self.jobs.check(LabelData.from_json(job["data"]))  # unprintable: stays failed
            printer = await repo.get_printer(session, job["printer_id"] or "")
            if printer is None or not printer["active"]:  # resolve it again, as for a new label
                choice = await choose(
                    session,
                    self.jobs.settings,
                    LabelType(job["label_type"]),
                    job["lot_number"],
                    waited=True,
                )
                if choice.printer is None:
                    raise MesError(
                        ErrorCode.NO_PRINTER_ASSIGNED,
                        data={"job_id": str(job_id), "station_id": choice.station},
                        detail=NO_PRINTER_MESSAGE,
                    )
                printer = choice.printer
            await repo.set_jobs(
                session,
                [job_id],
                printer_id=printer["printer_id"],
                station_id=printer["station_id"] or job["station_id"],
                state=initial_state(printer),
                next_attempt_at=datetime.now(UTC),
            )
            await repo.end_printer_backoff(session, printer["printer_id"])
            return await repo.get_job(session, job_id) or job
