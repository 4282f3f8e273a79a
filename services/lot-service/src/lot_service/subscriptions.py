"""The streams lot-service consumes (its app wires these; the event catalogue lists them)."""

from mes_contracts import events as ev
from servicekit.subscriptions import Subscriptions

#: stream → method of `service.LotService`
SUBSCRIPTIONS = Subscriptions(
    "lot-service",
    {
        ev.PROCESS_STARTED: "on_process_started",
        ev.PROCESS_COMPLETED: "on_process_completed",
        ev.ROUTING_UPDATED: "on_routing_updated",
        ev.LOT_CLOSE_ACCEPTED: "on_lot_close_accepted",
        ev.NCR_CLOSED: "on_ncr_closed",  # SCRAP: good quantity, serials, LOT closed
        ev.LOT_HELD: "on_lot_held",  # the hold the LOT list shows (ADR 0023)
        ev.LOT_RELEASED: "on_lot_released",
    },
)
