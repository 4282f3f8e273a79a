"""The streams trace-service consumes (its app wires these; the event catalogue lists
them). Each has a projection in `projections.Projector.handlers`."""

from mes_contracts import events as ev
from servicekit.subscriptions import Subscriptions

SUBSCRIPTIONS = Subscriptions.all_to(
    "trace-service",
    (
        ev.LOT_CREATED,
        ev.LOT_STATUS_CHANGED,
        ev.ROUTING_UPDATED,
        ev.SERIALS_ALLOCATED,
        ev.SERIALS_STATUS_CHANGED,
        ev.PROCESS_STARTED,
        ev.PROCESS_COMPLETED,
        ev.NCR_OPENED,
        ev.NCR_CLOSED,
        ev.LOT_HELD,
        ev.LOT_RELEASED,
        ev.SERIAL_STATUS_CHANGED,  # retired (ADR 0012): read for one release
    ),
    "apply",  # Projector.apply: the event log, then the projection of its type
)
