from servicekit.alembic_env import run
from trace_service.models import SCHEMA, metadata

run(metadata, SCHEMA)
