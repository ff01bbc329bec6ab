"""What crosses service boundaries for the back office: roles, managers and audit entries.

Every service that offers admin writes records an `AuditEntry` in its own outbox in the same
transaction as the change (so a committed change always has its audit record); the admin
service consumes `TOPIC_ADMIN_AUDIT` and serves `GET /admin/v1/audit-log`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import msgspec

TOPIC_ADMIN_AUDIT = "admin-audit"


class AdminRole(IntEnum):
    """Ordered: a higher role may do everything a lower one may."""

    VIEWER = 1
    OPERATOR = 2
    SUPERADMIN = 3

    @classmethod
    def parse(cls, name: str) -> AdminRole:
        return cls[name.upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


class ManagerView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    role: str  # "superadmin" | "operator" | "viewer"
    disabled: bool


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Who did what to which resource, when, with the state before and after."""

    actor_id: int
    actor_name: str
    action: str  # create | update | delete | check-in | refund | cancel | ...
    resource: str  # e.g. "homestays"
    resource_id: str
    at: int  # unix seconds
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    service: str = ""
