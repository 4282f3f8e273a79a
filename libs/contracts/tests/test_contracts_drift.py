"""The drift test (ADR 0021): no service declares a pydantic model that mes_contracts has.

Every module of every service is imported and its own `BaseModel` subclasses (settings
aside) are compared with every model of mes_contracts, by class name and by field set. A
match means a local copy of a contract DTO, which drifts (lot-service's `LotCreate` once
allowed 10,000 units against the contract's 9,999): import the contract's model instead.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Iterator
from types import ModuleType

import pytest
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings

pytestmark = pytest.mark.unit

SERVICES = (
    "gateway",
    "lot_service",
    "process_service",
    "label_service",
    "firmware_service",
    "trace_service",
)
#: Alembic scripts run only inside `alembic` (their env.py needs its context).
_SKIP = ("migrations",)


def modules_of(package_name: str) -> Iterator[ModuleType]:
    package = importlib.import_module(package_name)
    yield package
    for info in pkgutil.walk_packages(package.__path__, prefix=package_name + "."):
        if not any(part in _SKIP for part in info.name.split(".")):
            yield importlib.import_module(info.name)


def models_declared_in(module: ModuleType) -> list[type[BaseModel]]:
    """The models `module` itself defines (not those it imports), settings excluded."""
    return [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseModel)
        and not issubclass(cls, BaseSettings)
        and cls.__module__ == module.__name__
        and "[" not in cls.__name__  # a parametrised generic (SuccessBody[LotRead])
    ]


def contract_models() -> list[type[BaseModel]]:
    return [m for module in modules_of("mes_contracts") for m in models_declared_in(module)]


def duplicates(local: Iterable[type[BaseModel]], contract: Iterable[type[BaseModel]]) -> list[str]:
    """One line per local model whose name or (non-empty) field set a contract model has."""
    by_name = {m.__name__: m for m in contract}
    by_fields: dict[frozenset[str], type[BaseModel]] = {}
    for model in by_name.values():
        if model.model_fields:
            by_fields.setdefault(frozenset(model.model_fields), model)
    found = []
    for model in local:
        twin = by_name.get(model.__name__) or by_fields.get(frozenset(model.model_fields))
        if twin is not None:
            found.append(
                f"{model.__module__}.{model.__qualname__} duplicates "
                f"{twin.__module__}.{twin.__qualname__}: import it from mes_contracts"
            )
    return found


def test_no_service_declares_a_dto_the_contract_has() -> None:
    local = [
        m for name in SERVICES for module in modules_of(name) for m in models_declared_in(module)
    ]
    assert duplicates(local, contract_models()) == []


def test_the_walk_sees_every_service_and_the_contract_models() -> None:
    walked = {module.__name__ for name in SERVICES for module in modules_of(name)}
    assert {"lot_service.api", "gateway.auth_api", "label_service.printers"} <= walked
    names = {m.__name__ for m in contract_models()}
    assert {"LotCreateRequest", "LoginRequest", "PrinterBody", "LotRead", "ErrorBody"} <= names


def test_a_local_copy_is_caught_by_name_or_by_fields() -> None:
    from mes_contracts.api.lot import LotCreateRequest

    class LotCreateRequestCopy(BaseModel):  # lot-service's old LotCreate: another name
        model_config = ConfigDict(extra="forbid")
        product_model: str = "WF"
        target_quantity: int = Field(default=100, ge=1, le=10_000)
        shift: str

    class LotCreateRequest2(BaseModel):
        other: int

    LotCreateRequest2.__name__ = "LotCreateRequest"
    unrelated = type("Unrelated", (BaseModel,), {"__annotations__": {"x": int}})

    found = duplicates([LotCreateRequestCopy, LotCreateRequest2, unrelated], [LotCreateRequest])
    assert len(found) == 2
    assert "LotCreateRequestCopy duplicates mes_contracts.api.lot.LotCreateRequest" in found[0]
    assert found[1].startswith(f"{__name__}.") and "LotCreateRequest2" in found[1]
