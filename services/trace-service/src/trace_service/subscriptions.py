"""The streams trace-service consumes (its app wires these; the event catalogue lists
them). Projected streams go to `projections.Projector` (`apply`), the alert rules' streams
to `alerts.handlers.AlertHandlers` (`alert`); a hold is projected, then its alert follows
in the same transaction (`apply_and_alert`)."""

from mes_contracts import events as ev
from servicekit.subscriptions import Subscriptions

PROJECTED = (
    ev.LOT_CREATED,
    ev.LOT_STATUS_CHANGED,
    ev.ROUTING_UPDATED,
    ev.SERIALS_ALLOCATED,
    ev.SERIALS_STATUS_CHANGED,
    ev.PROCESS_STARTED,
    ev.NCR_OPENED,
    ev.NCR_CLOSED,
    ev.SERIAL_STATUS_CHANGED,  # retired (ADR 0012): read for one release
)
ALERTED = (ev.PRINTER_STATUS_CHANGED, ev.PRINTER_UPDATED, ev.LABELS_FAILED, ev.LABELS_PRINTED)
# A completion is projected, then its measurements are judged by SPC (quality.live).
BOTH = (ev.LOT_HELD, ev.LOT_RELEASED, ev.PROCESS_COMPLETED)

SUBSCRIPTIONS = Subscriptions(
    "trace-service",
    # Projector.apply: the event log, then the projection of its type.
    dict.fromkeys(PROJECTED, "apply")
    | dict.fromkeys(BOTH, "apply_and_alert")
    | dict.fromkeys(ALERTED, "alert"),
)
