"""payment's own schema (SQLAlchemy Core), SQLite and MariaDB. Times are unix seconds."""

from __future__ import annotations

import sqlalchemy as sa

from yys.kit.events import outbox_table

metadata = sa.MetaData()

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

payment = sa.Table(
    "payment_third_payment",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("sn", sa.String(32), nullable=False),
    sa.Column("user_id", sa.BigInteger(), nullable=False),
    sa.Column("order_sn", sa.String(64), nullable=False),
    sa.Column("service_type", sa.String(32), nullable=False),
    sa.Column("pay_mode", sa.String(32), nullable=False),
    sa.Column("trade_type", sa.String(16), nullable=False),
    sa.Column("pay_total", sa.BigInteger(), nullable=False),
    sa.Column("pay_status", sa.SmallInteger(), nullable=False),
    sa.Column("trade_state", sa.String(32), nullable=False, server_default=""),
    sa.Column("transaction_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("prepay_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("prepay_time", sa.BigInteger(), nullable=True),
    sa.Column("pay_time", sa.BigInteger(), nullable=True),
    sa.Column("refund_no", sa.String(64), nullable=False, server_default=""),
    sa.Column("refund_time", sa.BigInteger(), nullable=True),
    # Equals order_sn while the payment waits for its outcome, NULL afterwards: the unique index
    # allows one pending payment per order (NULLs never collide) and lets races resolve safely.
    sa.Column("pending_order_sn", sa.String(64), nullable=True),
    sa.Column("create_time", sa.BigInteger(), nullable=False),
    sa.Column("update_time", sa.BigInteger(), nullable=False),
    sa.UniqueConstraint("sn", name="uq_payment_third_payment_sn"),
    sa.UniqueConstraint("pending_order_sn", name="uq_payment_third_payment_pending"),
    sa.Index("ix_payment_third_payment_order_sn", "order_sn"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_unicode_ci",
)

outbox = outbox_table(metadata, "payment_outbox")
