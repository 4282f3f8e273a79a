from servicekit.alembic_env import run

from label_service.models import SCHEMA, metadata

run(metadata, SCHEMA)
