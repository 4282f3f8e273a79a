from servicekit.alembic_env import run

from lot_service.models import SCHEMA, metadata

run(metadata, SCHEMA)
