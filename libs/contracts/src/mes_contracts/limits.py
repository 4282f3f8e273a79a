"""Numeric limits set by a number format or a column type: the one place they live.

The contract DTOs, the event payloads, the number formatters (`identifiers`), the services
and the dashboard's form (`clients/dashboard/src/api/limits.ts`, generated from this
module) all read them from here:

    python -m mes_contracts.limits            # write the dashboard's limits.ts
    python -m mes_contracts.limits --check    # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: `{seq:03d}` in a LOT number: 999 LOTs per product model, factory and production date.
LOT_SEQUENCE_DIGITS = 3
MAX_LOT_SEQUENCE = 10**LOT_SEQUENCE_DIGITS - 1
#: `{seq:04d}` in a serial number: 9,999 serials per LOT, replacements included.
SERIAL_SEQUENCE_DIGITS = 4
MAX_SERIAL_SEQUENCE = 10**SERIAL_SEQUENCE_DIGITS - 1
#: Every unit of a LOT gets a serial, so a LOT holds at most 9,999 units.
MAX_TARGET_QUANTITY = MAX_SERIAL_SEQUENCE
DEFAULT_TARGET_QUANTITY = 100
#: PostgreSQL BIGINT (ids, OFFSET): a larger number is a 400, not a database error.
MAX_BIGINT = 2**63 - 1
MAX_OFFSET = MAX_BIGINT
DEFAULT_PAGE_LIMIT = 50
MAX_PAGE_LIMIT = 500
#: Free-text reasons (closing a LOT, a reprint, a release, an audit re-anchor…): at most
#: this long everywhere; where a reason is required it has at least `MIN_REASON_LENGTH`.
MAX_REASON_LENGTH = 500
MIN_REASON_LENGTH = 3
#: Arrays and objects nested deeper than this in a JSON body are refused (MALFORMED_BODY);
#: the deepest contract body (PROC-006's test_results[].spec) needs 5.
MAX_JSON_DEPTH = 32
#: Longest takt a routing step may state (a week): longer is a typing error, not a takt.
MAX_TAKT_SECONDS = 7 * 24 * 3600

#: What the dashboard needs (its LOT form validates the quantity before sending).
_DASHBOARD = ("DEFAULT_TARGET_QUANTITY", "MAX_TARGET_QUANTITY")


def dashboard_limits_path() -> Path:
    """`clients/dashboard/src/api/limits.ts` of this checkout."""
    return Path(__file__).resolve().parents[4] / "clients/dashboard/src/api/limits.ts"


def render_typescript() -> str:
    lines = [
        "// Generated from libs/contracts/src/mes_contracts/limits.py: do not edit.",
        "// Regenerate with `uv run python -m mes_contracts.limits`.",
    ]
    lines += [f"export const {name} = {globals()[name]};" for name in _DASHBOARD]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mes_contracts.limits")
    parser.add_argument("--check", action="store_true", help="exit 1 if limits.ts is stale")
    args = parser.parse_args(argv)
    path = dashboard_limits_path()
    text = render_typescript()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            print(f"stale: {path} (run python -m mes_contracts.limits)", file=sys.stderr)
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
