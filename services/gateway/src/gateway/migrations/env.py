from servicekit.alembic_env import run

from gateway.models import SCHEMA, metadata

run(metadata, SCHEMA)
