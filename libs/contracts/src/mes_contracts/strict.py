"""Request bodies are strict about numbers and booleans: `true` is not 1, `"5"` is not 5,
`1` is not `true`, `5.5` is not 5.

Pydantic's lax mode coerces all of these (`target_quantity: true` made a LOT of 1). Strict
mode for whole models is not an option: FastAPI validates the decoded JSON in Python mode,
where a strict datetime, date or enum refuses the string it arrives as. So every `int`,
`float` and `bool` of a request body is strict field by field (`StrictInt`, `StrictBool`,
`StrictFiniteFloat`), and `lax_scalar_fields` finds any that is not: the services refuse
to start with one (servicekit), and the contract's tests check the DTOs validated by hand.
Query parameters arrive as strings and stay lax.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AllowInfNan, Strict, TypeAdapter

#: A JSON number (an integer is fine) that is finite; never a string or a boolean.
StrictFiniteFloat = Annotated[float, Strict(), AllowInfNan(False)]

_SCALARS = frozenset({"int", "float", "bool"})
# Keys of a core schema that hold values, functions or documentation, not schemas.
_NOT_SCHEMAS = frozenset(
    {"metadata", "serialization", "default", "function", "cls", "config", "ref", "expected"}
    | {"json_schema_input_schema"}
)


def lax_scalar_fields(type_: Any) -> list[str]:
    """Dotted paths of the `int`/`float`/`bool` fields in `type_` (a model, a union of
    models, …) that pydantic would coerce; [] when all are strict."""
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, list | tuple):
            for item in node:
                walk(item, path)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind in _SCALARS and not node.get("strict"):
            found.append(path or kind)
        if kind == "model":
            if (node.get("config") or {}).get("strict"):
                return
            path = path or node["cls"].__name__
        for key, value in node.items():
            if key in _NOT_SCHEMAS:
                continue
            if key == "fields" and isinstance(value, dict):
                for name, field in value.items():
                    walk(field, f"{path}.{name}" if path else name)
            else:
                walk(value, path)

    walk(TypeAdapter(type_).core_schema, "")
    return sorted(set(found))
