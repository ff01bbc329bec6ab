"""admin's own schema (SQLAlchemy Core). Works on SQLite and MariaDB (utf8mb4)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY; MariaDB gets a real BIGINT.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_MYSQL: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
                          "mysql_collate": "utf8mb4_unicode_ci"}

manager = sa.Table(
    "admin_manager",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(32), nullable=False),
    sa.Column("password", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
    # Unix seconds (0 = not locked): only ever compared with the clock, never shown.
    sa.Column("locked_until", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("create_time", sa.DateTime(), nullable=False),
    sa.Column("update_time", sa.DateTime(), nullable=False),
    sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
    sa.UniqueConstraint("username", name="uq_admin_manager_username"),
    # Never reuse the id of a deleted manager on SQLite: tokens name managers by id.
    sqlite_autoincrement=True,
    **_MYSQL,
)

audit_log = sa.Table(
    "admin_audit_log",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    # The event id: a redelivered event hits the unique index and is stored once.
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("actor_id", sa.BigInteger(), nullable=False),
    sa.Column("actor_name", sa.String(64), nullable=False, server_default=""),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("resource", sa.String(64), nullable=False),
    sa.Column("resource_id", sa.String(128), nullable=False, server_default=""),
    sa.Column("before", sa.Text(), nullable=True),  # JSON text
    sa.Column("after", sa.Text(), nullable=True),  # JSON text
    sa.Column("at", sa.BigInteger(), nullable=False),  # unix seconds
    sa.Column("service", sa.String(32), nullable=False, server_default=""),
    sa.UniqueConstraint("event_id", name="uq_admin_audit_log_event_id"),
    sa.Index("ix_admin_audit_log_at", "at", "id"),
    sa.Index("ix_admin_audit_log_resource_at", "resource", "at"),
    sa.Index("ix_admin_audit_log_actor_at", "actor_id", "at"),
    **_MYSQL,
)
