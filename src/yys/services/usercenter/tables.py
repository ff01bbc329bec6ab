"""usercenter's own schema (SQLAlchemy Core). Works on SQLite and MariaDB (utf8mb4)."""

from __future__ import annotations

import sqlalchemy as sa

from yys.kit.events import outbox_table

metadata = sa.MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY; MariaDB gets a real BIGINT.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


user = sa.Table(
    "usercenter_user",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("mobile", sa.String(20), nullable=False),
    sa.Column("password", sa.String(255), nullable=False, server_default=""),
    sa.Column("nickname", sa.String(64), nullable=False, server_default=""),
    sa.Column("sex", sa.SmallInteger(), nullable=False, server_default="0"),
    sa.Column("avatar", sa.String(512), nullable=False, server_default=""),
    sa.Column("info", sa.String(255), nullable=False, server_default=""),
    sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("create_time", sa.DateTime(), nullable=False),
    sa.Column("update_time", sa.DateTime(), nullable=False),
    sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
    sa.UniqueConstraint("mobile", name="uq_usercenter_user_mobile"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_unicode_ci",
)

user_auth = sa.Table(
    "usercenter_user_auth",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.BigInteger(), nullable=False),
    sa.Column("auth_type", sa.String(16), nullable=False),
    sa.Column("auth_key", sa.String(64), nullable=False),
    sa.Column("create_time", sa.DateTime(), nullable=False),
    sa.Column("update_time", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("auth_type", "auth_key", name="uq_usercenter_user_auth_key"),
    # One login of each kind per user: a second WeChat account cannot take over this user.
    sa.UniqueConstraint("user_id", "auth_type", name="uq_usercenter_user_auth_user_type"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_unicode_ci",
)

# Audit entries of admin writes (disable/enable), written in the same transaction as the change.
outbox = outbox_table(metadata, "usercenter_outbox")
