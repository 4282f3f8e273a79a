"""The streams trace-service consumes (its app wires these; the event catalogue lists
them). Projected streams go to `projections.Projector` (`apply`), the alert rules' streams
to `alerts.handlers.AlertHandlers` (`alert`)."""

from mes_contracts import events as ev
from servicekit.subscriptions import Subscriptions

PROJECTED = (
    ev.LOT_CREATED,
    ev.LOT_STATUS_CHANGED,
    ev.ROUTING_UPDATED,
    ev.SERIALS_ALLOCATED,
    ev.SERIALS_STATUS_CHANGED,
    ev.PROCESS_STARTED,
    ev.PROCESS_COMPLETED,
    ev.SERIAL_STATUS_CHANGED,  # retired (ADR 0012): read for one release
)
ALERTED = (ev.PRINTER_STATUS_CHANGED, ev.PRINTER_UPDATED, ev.LABELS_FAILED, ev.LABELS_PRINTED)

SUBSCRIPTIONS = Subscriptions(
    "trace-service",
    # Projector.apply: the event log, then the projection of its type.
    dict.fromkeys(PROJECTED, "apply") | dict.fromkeys(ALERTED, "alert"),
)
