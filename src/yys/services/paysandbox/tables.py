"""The sandbox's own schema (SQLAlchemy Core), SQLite and MariaDB. Times are unix seconds."""

from __future__ import annotations

import sqlalchemy as sa

from yys.kit.delayqueue.sql import delay_jobs_table, leader_leases_table

metadata = sa.MetaData()

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

transaction = sa.Table(
    "paysandbox_transaction",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("prepay_id", sa.String(64), nullable=False),
    sa.Column("appid", sa.String(64), nullable=False),
    sa.Column("mchid", sa.String(32), nullable=False),
    sa.Column("out_trade_no", sa.String(32), nullable=False),
    sa.Column("description", sa.String(127), nullable=False, server_default=""),
    sa.Column("notify_url", sa.String(512), nullable=False),
    sa.Column("total", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(8), nullable=False),
    sa.Column("payer_openid", sa.String(128), nullable=False),
    sa.Column("trade_state", sa.String(16), nullable=False),
    sa.Column("transaction_id", sa.String(32), nullable=True),
    sa.Column("success_time", sa.BigInteger(), nullable=True),
    sa.Column("refunded", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("notify_id", sa.String(64), nullable=False),
    sa.Column("notify_attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("notified_at", sa.BigInteger(), nullable=True),
    sa.Column("create_time", sa.BigInteger(), nullable=False),
    sa.Column("update_time", sa.BigInteger(), nullable=False),
    sa.UniqueConstraint("prepay_id", name="uq_paysandbox_transaction_prepay"),
    sa.UniqueConstraint("mchid", "out_trade_no", name="uq_paysandbox_transaction_out_trade_no"),
    sa.UniqueConstraint("transaction_id", name="uq_paysandbox_transaction_txn_id"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_unicode_ci",
)

refund = sa.Table(
    "paysandbox_refund",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("refund_id", sa.String(32), nullable=False),
    sa.Column("mchid", sa.String(32), nullable=False),
    sa.Column("out_refund_no", sa.String(64), nullable=False),
    sa.Column("out_trade_no", sa.String(32), nullable=False),
    sa.Column("transaction_id", sa.String(32), nullable=False),
    sa.Column("amount", sa.BigInteger(), nullable=False),
    sa.Column("total", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(8), nullable=False),
    sa.Column("reason", sa.String(80), nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("create_time", sa.BigInteger(), nullable=False),
    sa.UniqueConstraint("refund_id", name="uq_paysandbox_refund_id"),
    sa.UniqueConstraint("mchid", "out_refund_no", name="uq_paysandbox_refund_out_refund_no"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_unicode_ci",
)

delay_jobs = delay_jobs_table(metadata, "paysandbox_delay_job")
leader_leases = leader_leases_table(metadata, "paysandbox_leader_lease")
