from servicekit.alembic_env import run

from process_service.models import SCHEMA, metadata

run(metadata, SCHEMA)
