"""The streams process-service consumes (its app wires these; the event catalogue lists
them)."""

from mes_contracts import events as ev
from servicekit.subscriptions import Subscriptions

#: stream → method of `service.ProcessService`
SUBSCRIPTIONS = Subscriptions(
    "process-service",
    {
        ev.LOT_CREATED: "on_lot_created",
        ev.LOT_STATUS_CHANGED: "on_lot_status_changed",
        ev.USER_CREATED: "on_user_changed",
        ev.USER_UPDATED: "on_user_changed",
        ev.USER_DEACTIVATED: "on_user_changed",
        ev.FIRMWARE_RELEASED: "on_firmware_released",
        ev.FIRMWARE_ROLLED_BACK: "on_firmware_released",  # carries the version now live
        # Its own event: a replica's routing cache forgets what another replica changed.
        ev.ROUTING_UPDATED: "on_routing_updated",
        # trace-service found an SPC violation on a check that holds the LOT (ADR 0026).
        ev.SPC_VIOLATION_FOUND: "on_spc_violation",
    },
)
