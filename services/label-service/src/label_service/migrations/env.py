from label_service.models import SCHEMA, metadata
from servicekit.alembic_env import run

run(metadata, SCHEMA)
