"""trace-service's projections read typed payloads through the version registry."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from mes_contracts import events as ev
from mes_contracts.examples import EXAMPLES
from mes_contracts.payloads.lot import LotCreated, SerialStatusChanged
from mes_contracts.payloads.process import ProcessStarted
from trace_service.projections import Projector

pytestmark = pytest.mark.unit


def _event(type_: str) -> ev.Envelope:
    return ev.make_event(type_, EXAMPLES[type_], source="test", retired=type_ in ev.RETIRED)


@pytest.mark.parametrize("type_", Projector(ZoneInfo("Asia/Seoul")).streams)
def test_every_handled_type_parses_to_its_registered_model(type_: str) -> None:
    model = ev.EVENT_MODELS[(type_, ev.EVENT_VERSIONS[type_])]
    assert isinstance(ev.payload_as(_event(type_), model), model)


def test_dates_and_times_arrive_parsed() -> None:
    lot = ev.payload_as(_event(ev.LOT_CREATED), LotCreated)
    assert type(lot.production_date) is date
    assert isinstance(lot.created_at, datetime) and lot.created_at.utcoffset() is not None
    retired = ev.payload_as(_event(ev.SERIAL_STATUS_CHANGED), SerialStatusChanged)
    assert retired.changed_at.utcoffset() is not None


def test_a_payload_of_another_model_is_refused() -> None:
    with pytest.raises(TypeError, match=r"lot\.created v1 is not a ProcessStarted"):
        ev.payload_as(_event(ev.LOT_CREATED), ProcessStarted)
