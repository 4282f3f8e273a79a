"""The streams the gateway consumes: every stream the audit trail records
(`audit.MAPPING`). Its app wires these; the event catalogue lists them. (The live feed
tails streams without a consumer group and is not a consumer.)"""

from servicekit.subscriptions import Subscriptions

from .audit import AUDITED_STREAMS

SUBSCRIPTIONS = Subscriptions.all_to("gateway", AUDITED_STREAMS, "record")  # audit.record
