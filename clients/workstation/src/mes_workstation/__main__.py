"""`mes-workstation` / `python -m mes_workstation`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .settings import default_config_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mes-workstation", description="Withforce MES workstation (shop-floor station app)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help=f"settings file (default: {default_config_path()})",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    args = parser.parse_args(argv)
    if args.version:
        from importlib.metadata import version

        print(f"mes-workstation {version('mes-workstation')}")
        return 0
    from .ui.app import run  # Qt only when the window is wanted

    return run(args.config)


if __name__ == "__main__":
    sys.exit(main())
