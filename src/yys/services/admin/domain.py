"""Managers, their login rules and the audit record: entities, rules and admin's errors.

Pure Python on purpose: the rules here are unit-tested without a database or a framework.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from yys.contracts.admin import AdminRole
from yys.kit.errors import BadRequest, Conflict, Forbidden, NotFound, RateLimited, Unauthorized

USERNAME_MIN = 3
USERNAME_MAX = 32
PASSWORD_MIN = 8
PASSWORD_MAX = 64
PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 100
# Beyond this an offset scan is a denial of service, not a use case.
PAGE_MAX = 100_000
ID_MAX = 2**63 - 1  # BIGINT

_USERNAME = re.compile(r"[A-Za-z0-9_.\-]+")  # ASCII only: no look-alike Unicode names

SYSTEM_ACTOR_ID = 0
SYSTEM_ACTOR_NAME = "system"
RESOURCE_MANAGERS = "managers"

# --- errors (700xxx) -------------------------------------------------------------------------

WRONG_CREDENTIALS = 700001
LOGIN_LOCKED = 700002
LOGIN_RATE_LIMITED = 700003
MANAGER_NOT_FOUND = 700004
USERNAME_TAKEN = 700005
INVALID_USERNAME = 700006
INVALID_PASSWORD = 700007
INVALID_ROLE = 700008
LAST_SUPERADMIN = 700009
SELF_DELETE = 700010
WRONG_OLD_PASSWORD = 700011


class WrongCredentials(Unauthorized):
    code = WRONG_CREDENTIALS
    # One message for unknown user, wrong password and disabled: callers must not learn which.
    default_msg = "wrong username or password"


class LoginLocked(RateLimited):
    code = LOGIN_LOCKED
    default_msg = "too many failed logins, try again later"


class LoginRateLimited(RateLimited):
    code = LOGIN_RATE_LIMITED
    default_msg = "too many login attempts, try again later"


class ManagerNotFound(NotFound):
    code = MANAGER_NOT_FOUND
    default_msg = "manager not found"


class UsernameTaken(Conflict):
    code = USERNAME_TAKEN
    default_msg = "username already taken"


class InvalidUsername(BadRequest):
    code = INVALID_USERNAME
    default_msg = (f"username must be {USERNAME_MIN}-{USERNAME_MAX} characters of "
                   "letters, digits, '_', '.' or '-'")


class InvalidPassword(BadRequest):
    code = INVALID_PASSWORD
    default_msg = f"password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters"


class InvalidRole(BadRequest):
    code = INVALID_ROLE
    default_msg = "role must be one of superadmin, operator, viewer"


class LastSuperadmin(Conflict):
    code = LAST_SUPERADMIN
    default_msg = "the last active superadmin cannot be deleted, demoted or disabled"


class SelfDelete(Forbidden):
    code = SELF_DELETE
    default_msg = "a manager cannot delete themselves"


class WrongOldPassword(BadRequest):
    code = WRONG_OLD_PASSWORD
    default_msg = "old password is wrong"


class StaleVersion(Conflict):
    """Kept at the common code (100006): every admin PATCH answers a stale version alike."""

    default_msg = "the resource was changed by someone else; reload and retry"


# --- entities --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Manager:
    id: int
    username: str
    password_hash: str
    role: AdminRole
    disabled: bool
    failed_logins: int
    locked_until: int  # unix seconds, 0 = not locked
    version: int
    create_time: int  # unix seconds
    update_time: int

    @property
    def active_superadmin(self) -> bool:
        return self.role is AdminRole.SUPERADMIN and not self.disabled


@dataclass(frozen=True, slots=True)
class NewManager:
    username: str
    password_hash: str
    role: AdminRole


@dataclass(frozen=True, slots=True)
class ManagerChange:
    """Fields to set; None leaves a field as it is."""

    role: AdminRole | None = None
    password_hash: str | None = None
    disabled: bool | None = None

    @property
    def empty(self) -> bool:
        return self.role is None and self.password_hash is None and self.disabled is None


@dataclass(frozen=True, slots=True)
class ManagerFilter:
    username: str | None = None  # prefix match
    role: AdminRole | None = None


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit log row: an `AuditEntry` with the id of the event that carried it."""

    event_id: str
    actor_id: int
    actor_name: str
    action: str
    resource: str
    resource_id: str
    at: int
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    service: str = ""
    id: int = 0


@dataclass(frozen=True, slots=True)
class AuditFilter:
    resource: str | None = None
    actor_id: int | None = None
    action: str | None = None
    since: int | None = None  # unix seconds, inclusive
    until: int | None = None  # unix seconds, inclusive


# --- rules -----------------------------------------------------------------------------------


def normalize_username(username: str) -> str:
    """Usernames are case-insensitive everywhere (MariaDB's collation would make them so on one
    database only): stored and looked up in lower case, without surrounding spaces."""
    return username.strip().lower()


def validate_username(username: str) -> str:
    username = normalize_username(username)
    if not USERNAME_MIN <= len(username) <= USERNAME_MAX or not _USERNAME.fullmatch(username):
        raise InvalidUsername()
    return username


def validate_password(password: str) -> str:
    # Length counts characters; whitespace is significant and kept as typed.
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidPassword()
    return password


def login_input_acceptable(username: str, password: str) -> bool:
    """Login only bounds the input (hashing megabytes is a DoS); the policy applies on change."""
    return 0 < len(username) <= USERNAME_MAX and 0 < len(password) <= PASSWORD_MAX


def parse_role(name: str) -> AdminRole:
    try:
        return AdminRole.parse(name)
    except (KeyError, AttributeError):
        raise InvalidRole() from None


def page_request(page: int | None, page_size: int | None) -> PageRequest:
    """Page absent = 1 (else 1..100000); size absent or 0 = 20, above 100 = 100, negative = 400
    (the same rules as every other service's admin lists)."""
    page = 1 if page is None else page
    if not 1 <= page <= PAGE_MAX:
        raise BadRequest(f"page must be between 1 and {PAGE_MAX}")
    if page_size is None or page_size == 0:
        return PageRequest(page=page)
    if page_size < 0:
        raise BadRequest("pageSize must not be negative")
    return PageRequest(page=page, page_size=min(page_size, PAGE_SIZE_MAX))


def positive_id(value: int, what: str = "id") -> int:
    """A BIGINT id from a path or filter: 400 for ≤ 0 or beyond BIGINT, never a driver error."""
    if not 1 <= value <= ID_MAX:
        raise BadRequest(f"{what} must be a positive integer")
    return value


def non_negative(value: int | None, what: str) -> int | None:
    """An optional filter that is a count, a time or an id that may be 0 (the system actor)."""
    if value is not None and not 0 <= value <= ID_MAX:
        raise BadRequest(f"{what} must be a non-negative integer")
    return value


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """Lockout after `max_failures` consecutive failures for `lockout_seconds`."""

    max_failures: int
    lockout_seconds: int

    def retry_after(self, manager: Manager, now: int) -> int:
        """Seconds until the manager may try again (0 = not locked)."""
        return max(0, manager.locked_until - now)

    def after_failure(self, failed_logins: int, now: int) -> tuple[int, int]:
        """(failed_logins, locked_until) after one more failure. Reaching the limit locks and
        starts the count afresh, so the next lock needs `max_failures` new failures."""
        failed = failed_logins + 1
        if failed >= max(1, self.max_failures):
            return 0, now + self.lockout_seconds
        return failed, 0


def removes_active_superadmin(manager: Manager, change: ManagerChange) -> bool:
    """Whether applying `change` takes `manager` out of the active superadmins."""
    if not manager.active_superadmin:
        return False
    role = manager.role if change.role is None else change.role
    disabled = manager.disabled if change.disabled is None else change.disabled
    return role is not AdminRole.SUPERADMIN or disabled


def ensure_superadmin_remains(manager: Manager, active_superadmin_ids: list[int]) -> None:
    """Refuse to take away the last active superadmin (ids read under lock by the caller)."""
    if not set(active_superadmin_ids) - {manager.id}:
        raise LastSuperadmin()


def ensure_not_self(actor_id: int, manager_id: int) -> None:
    if actor_id == manager_id:
        raise SelfDelete()


def ensure_version(manager: Manager, version: int) -> None:
    if manager.version != version:
        raise StaleVersion()


def audit_state(manager: Manager) -> dict[str, Any]:
    """What the audit log keeps of a manager: never the password hash or login counters."""
    return {"id": manager.id, "username": manager.username, "role": manager.role.label,
            "disabled": manager.disabled, "version": manager.version}
