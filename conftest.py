"""Every test session gets real PostgreSQL and Redis (see mes_cli.pytest_plugin)."""

pytest_plugins = ["mes_cli.pytest_plugin"]
