"""mqueue's own tables: notification records and its delay-queue tables."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

notification = sa.Table(
    "mqueue_notification",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.BigInteger(), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("title", sa.String(128), nullable=False),
    sa.Column("body", sa.String(1024), nullable=False),
    sa.Column("dedup_key", sa.String(128), nullable=False),
    sa.Column("data", sa.Text(), nullable=False),
    sa.Column("delivered", sa.String(128), nullable=False, server_default=""),
    sa.Column("create_time", sa.BigInteger(), nullable=False),
    sa.UniqueConstraint("dedup_key", name="uq_mqueue_notification_dedup"),
    sa.Index("ix_mqueue_notification_user", "user_id", "id"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_unicode_ci",
)
