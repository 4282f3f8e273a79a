"""The streams label-service consumes (its app wires these; the event catalogue lists them)."""

from mes_contracts import events as ev
from servicekit.subscriptions import Subscriptions

#: stream → method of `handlers.Handlers`
SUBSCRIPTIONS = Subscriptions(
    "label-service",
    {
        ev.LOT_CREATED: "on_lot_created",
        ev.SERIALS_ALLOCATED: "on_serials_allocated",  # carries the station (ADR 0012)
    },
)
