#!/bin/sh
# Entry point of the Withforce MES image: the first argument names the role.
#   lot-service | process-service | label-service | firmware-service | trace-service | gateway
#       one uvicorn process (scale with replicas, not workers: each replica is one consumer)
#   single                    every service and the gateway in one process (ADR 0016);
#                             the gateway on MES_PORT, each service on its MES_*_SERVICE_URL port
#   migrate [package ...]     Alembic upgrade of every schema (or the ones named)
#   wait-migrations package   until that schema is at this image's head (init container)
#   backup [args] | restore [args]    ./mes backup / ./mes restore (docs/operations.md)
#   anything else             run as a command (e.g. `sh` for a look around)
set -eu

role="${1:-gateway}"
[ "$#" -gt 0 ] && shift

case "$role" in
  lot-service | process-service | label-service | firmware-service | trace-service | gateway)
    export MES_SERVICE_NAME="${MES_SERVICE_NAME:-$role}"
    package=$(printf '%s' "$role" | tr '-' '_')
    # --no-proxy-headers: the client address is resolved by us (the gateway: X-Forwarded-For
    # from MES_TRUSTED_PROXIES; services: only the address the gateway signed, ADR 0007).
    # On SIGTERM uvicorn stops accepting, the service stops its consumers (in-flight
    # handlers finish), then the outbox relay; the orchestrator's grace period must exceed
    # MES_GRACEFUL_SHUTDOWN_SECONDS. Keep-alive (75 s) outlasts the gateway's idle upstream
    # connections (30 s), so it never sends on a socket the service is closing.
    exec uvicorn --factory "${package}.app:build_app" \
      --host "${MES_HOST:-0.0.0.0}" --port "${MES_PORT:-8000}" \
      --no-proxy-headers --no-access-log --no-server-header --timeout-keep-alive 75 \
      --timeout-graceful-shutdown "${MES_GRACEFUL_SHUTDOWN_SECONDS:-25}" \
      "$@"
    ;;
  single)
    export MES_SERVICE_NAME=gateway
    exec python -m gateway.single_process "$@"
    ;;
  migrate)
    if [ "$#" -eq 0 ]; then
      set -- lot_service process_service label_service firmware_service trace_service gateway
    fi
    exec python -m servicekit.migrate "$@"
    ;;
  wait-migrations)
    # init container of a Deployment: the schema of the named package(s) is at head
    exec python "${MES_TOOLS_DIR:-/opt/mes/bin}/wait_migrations.py" "$@"
    ;;
  backup | restore)
    exec python -m mes_cli "$role" "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
