from servicekit.alembic_env import run

from firmware_service.models import SCHEMA, metadata

run(metadata, SCHEMA)
