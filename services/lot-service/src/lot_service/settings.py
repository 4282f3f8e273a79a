from zoneinfo import ZoneInfo

from mes_contracts.routing import SERIAL_ALLOCATION_PROCESS_ID
from servicekit.settings import ServiceSettings

from .domain import ShiftCalendar


class LotSettings(ServiceSettings):
    service_name: str = "lot-service"
    port: int = 8001
    factory_code: str = "KR"
    factory_timezone: str = "Asia/Seoul"
    shift_day_start: str = "08:00"
    # The routing step whose start allocates the LOT's serial numbers (SPEC §5).
    serial_allocation_process: str = SERIAL_ALLOCATION_PROCESS_ID

    def calendar(self) -> ShiftCalendar:
        from datetime import time

        day = time.fromisoformat(self.shift_day_start)
        return ShiftCalendar(ZoneInfo(self.factory_timezone), day)
