"""Alembic per service schema: `python -m servicekit.migrate <package> [<package> ...]`.

Each service package ships `migrations/` (env.py + versions/). The version table lives in
the service's own schema, so services migrate independently (expand → migrate → contract).
"""

from __future__ import annotations

import argparse
import os
from importlib import resources

from alembic import command
from alembic.config import Config


def alembic_config(package: str, database_url: str) -> Config:
    location = resources.files(package) / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(location))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(package: str, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(package, database_url), revision)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("packages", nargs="+", help="service packages, e.g. lot_service")
    parser.add_argument("--revision", default="head")
    args = parser.parse_args()
    from .settings import ServiceSettings

    url = ServiceSettings(database_url=os.environ.get("DATABASE_URL", "")).database_url
    for package in args.packages:
        upgrade(package, url, args.revision)
        print(f"migrated {package} to {args.revision}")


if __name__ == "__main__":
    main()
