"""RBAC roles shared by the gateway, the services and the clients."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PRODUCTION_MANAGER = "production_manager"
    QUALITY_MANAGER = "quality_manager"
    WORKER = "worker"
    VIEWER = "viewer"


ALL_ROLES = frozenset(Role)
# Who may read production data (every authenticated role).
READERS = ALL_ROLES
# Who may change production state on the floor.
FLOOR_WRITERS = frozenset({Role.ADMIN, Role.PRODUCTION_MANAGER, Role.WORKER})
MANAGERS = frozenset({Role.ADMIN, Role.PRODUCTION_MANAGER})
# Who may close a non-conformance report with its disposition (ADR 0023).
NCR_DISPOSERS = frozenset({Role.ADMIN, Role.PRODUCTION_MANAGER, Role.QUALITY_MANAGER})
ADMINS = frozenset({Role.ADMIN})
# Who may reset a check's SPC control limits (ADR 0026): a quality or production manager.
QUALITY_DECIDERS = frozenset({Role.ADMIN, Role.PRODUCTION_MANAGER, Role.QUALITY_MANAGER})
