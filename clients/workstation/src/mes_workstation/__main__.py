"""`mes-workstation` / `python -m mes_workstation`."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from .settings import default_config_path


def read_new_pin() -> str:
    """Asked twice at a terminal; one line on stdin when piped (an installer)."""
    if not sys.stdin.isatty():
        pin = sys.stdin.readline().strip()
        return pin if _refused(pin, pin) is None else ""
    pin = getpass.getpass("New admin PIN (4-12 digits): ")
    confirm = getpass.getpass("Again: ")
    return pin if _refused(pin, confirm) is None else ""


def _refused(pin: str, confirm: str) -> str | None:
    from .pin import new_pin_problem

    problem = new_pin_problem(pin, confirm)
    if problem is not None:
        print(f"PIN not set: {problem[1]}", file=sys.stderr)
        return problem[1]
    return None


def set_pin(config: Path | None) -> int:
    from .pin import hash_pin
    from .settings import load_settings, save_settings

    loaded = load_settings(config)
    if loaded.notice is not None:
        print(f"{loaded.notice.en}: {loaded.notice.detail}", file=sys.stderr)
        return 1
    pin = read_new_pin()
    if not pin:
        return 1
    loaded.settings.admin_pin_hash = hash_pin(pin)
    path = save_settings(loaded.settings, config)
    print(f"admin PIN set in {path}")
    return 0


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
    parser.add_argument(
        "--set-pin",
        action="store_true",
        help="set the station admin PIN that guards Settings (asked twice; one line on stdin when piped)",
    )
    args = parser.parse_args(argv)
    if args.version:
        from importlib.metadata import version

        print(f"mes-workstation {version('mes-workstation')}")
        return 0
    if args.set_pin:
        return set_pin(args.config)
    from .ui.app import run  # Qt only when the window is wanted

    return run(args.config)


if __name__ == "__main__":
    sys.exit(main())
