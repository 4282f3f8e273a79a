"""firmware-service consumes no stream (declared, so the event catalogue knows)."""

from servicekit.subscriptions import Subscriptions

SUBSCRIPTIONS = Subscriptions("firmware-service", {})
