"""Init container: wait until each named service's schema is at this image's Alembic head.

    python wait_migrations.py lot_service [gateway ...]

The release's migration Job (`migrate`) upgrades the schemas; a new version's pods wait
here until it has, so no pod of a release serves before its schema exists (expand first,
docs/operations.md). Exits 0 when every schema is at head, 1 after
MES_MIGRATION_WAIT_SECONDS (default 600).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import time

import asyncpg
from alembic.script import ScriptDirectory
from servicekit.migrate import alembic_config
from servicekit.settings import ServiceSettings


def heads(package: str, url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(package, url)).get_heads())


async def current(dsn: str, schema: str) -> set[str]:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        exists = await conn.fetchval("SELECT to_regclass($1)", f'"{schema}".alembic_version')
        if exists is None:
            return set()
        rows = await conn.fetch(f'SELECT version_num FROM "{schema}".alembic_version')  # noqa: S608 - schema from our own package
        return {r["version_num"] for r in rows}
    finally:
        await conn.close()


def main(packages: list[str]) -> int:
    url = ServiceSettings(database_url=os.environ.get("DATABASE_URL", "")).database_url
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    wanted = {p: (importlib.import_module(f"{p}.models").SCHEMA, heads(p, url)) for p in packages}
    deadline = time.monotonic() + float(os.environ.get("MES_MIGRATION_WAIT_SECONDS", "600"))
    while True:
        behind = []
        for schema, head in wanted.values():
            try:
                at = asyncio.run(current(dsn, schema))
            except (OSError, asyncpg.PostgresError) as exc:
                at = {f"unreachable: {exc.__class__.__name__}"}
            if at != head:
                behind.append(f"{schema} at {sorted(at) or 'nothing'}, want {sorted(head)}")
        if not behind:
            print("schemas at head: " + ", ".join(s for s, _ in wanted.values()), flush=True)
            return 0
        if time.monotonic() > deadline:
            print("gave up waiting for migrations: " + "; ".join(behind), file=sys.stderr)
            return 1
        print("waiting for migrations: " + "; ".join(behind), flush=True)
        time.sleep(3)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: wait_migrations.py PACKAGE [PACKAGE ...]")
    sys.exit(main(sys.argv[1:]))
