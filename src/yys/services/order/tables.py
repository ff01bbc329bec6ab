"""order's own schema (SQLAlchemy Core). Works on SQLite and MariaDB (utf8mb4).

Times are naive UTC DATETIMEs (neither SQLite nor MariaDB DATETIME has a zone); money is BIGINT
fen. The delay-job and leader-lease tables belong to order too, so its migrations create them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from yys.kit.delayqueue.sql import delay_jobs_table, leader_leases_table
from yys.kit.events import outbox_table

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
})

# SQLite only auto-increments an INTEGER PRIMARY KEY; MariaDB gets a real BIGINT.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Money = sa.BigInteger
_MYSQL: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
                          "mysql_collate": "utf8mb4_unicode_ci"}

homestay_order = sa.Table(
    "order_homestay_order", metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("sn", sa.String(32), nullable=False),
    sa.Column("user_id", sa.BigInteger(), nullable=False),
    sa.Column("homestay_id", sa.BigInteger(), nullable=False),
    # The homestay as it was when booked: later catalogue edits never change an order.
    sa.Column("title", sa.String(64), nullable=False),
    sa.Column("sub_title", sa.String(128), nullable=False, server_default=""),
    sa.Column("cover", sa.String(512), nullable=False, server_default=""),
    sa.Column("info", sa.String(4000), nullable=False, server_default=""),
    sa.Column("people_num", sa.Integer(), nullable=False),
    sa.Column("row_type", sa.SmallInteger(), nullable=False),
    sa.Column("need_food", sa.Boolean(), nullable=False),
    sa.Column("food_info", sa.String(255), nullable=False, server_default=""),
    sa.Column("food_price", Money(), nullable=False),
    sa.Column("homestay_price", Money(), nullable=False),
    sa.Column("market_homestay_price", Money(), nullable=False),
    sa.Column("homestay_business_id", sa.BigInteger(), nullable=False),
    sa.Column("homestay_user_id", sa.BigInteger(), nullable=False),
    sa.Column("live_start_date", sa.DateTime(), nullable=False),
    sa.Column("live_end_date", sa.DateTime(), nullable=False),
    sa.Column("live_people_num", sa.Integer(), nullable=False),
    sa.Column("trade_state", sa.SmallInteger(), nullable=False),
    sa.Column("trade_code", sa.String(16), nullable=False),
    sa.Column("remark", sa.String(255), nullable=False, server_default=""),
    sa.Column("order_total_price", Money(), nullable=False),
    sa.Column("food_total_price", Money(), nullable=False),
    sa.Column("homestay_total_price", Money(), nullable=False),
    sa.Column("pay_sn", sa.String(64), nullable=False, server_default=""),
    sa.Column("pay_type", sa.String(32), nullable=False, server_default=""),
    sa.Column("pay_time", sa.DateTime(), nullable=True),
    # Why a payment did not pay this order (refunded after a close, wrong amount...).
    sa.Column("pay_note", sa.String(255), nullable=False, server_default=""),
    sa.Column("create_time", sa.DateTime(), nullable=False),
    sa.Column("update_time", sa.DateTime(), nullable=False),
    sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
    sa.UniqueConstraint("sn"),
    # userHomestayOrderList: one user's orders, optionally one state, newest first by id.
    sa.Index(None, "user_id", "id"),
    sa.Index(None, "user_id", "trade_state", "id"),
    # The close sweeper: wait-pay orders by age.
    sa.Index(None, "trade_state", "create_time"),
    # Settlement: used orders by the day their stay ended.
    sa.Index(None, "trade_state", "live_end_date"),
    # Back office: orders by creation/payment time (list filters, stats) and by homestay.
    sa.Index(None, "create_time"),
    sa.Index(None, "pay_time"),
    sa.Index(None, "homestay_id", "id"),
    **_MYSQL,
)

# A refund the order owes its payer. Written in the transaction that moves the order 1 → 3, so
# a refunded order always has one; the provider refund runs after the commit and is retried
# until it succeeds (see refunds.py).
refund_request = sa.Table(
    "order_refund_request", metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("order_sn", sa.String(32), nullable=False),
    sa.Column("reason", sa.String(255), nullable=False, server_default=""),
    sa.Column("requested_by", sa.String(64), nullable=False, server_default=""),
    sa.Column("state", sa.SmallInteger(), nullable=False, server_default="0"),  # 0 pending, 1 done
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("last_error", sa.String(255), nullable=False, server_default=""),
    sa.Column("pay_sn", sa.String(64), nullable=False, server_default=""),
    sa.Column("create_time", sa.DateTime(), nullable=False),
    sa.Column("done_time", sa.DateTime(), nullable=True),
    # One refund per order, whoever asks how often.
    sa.UniqueConstraint("order_sn"),
    # The retry sweep: pending requests, oldest first.
    sa.Index(None, "state", "id"),
    **_MYSQL,
)

# Audit entries of back-office actions, published to the admin service by the relay.
outbox = outbox_table(metadata, "order_outbox")

idempotency_key = sa.Table(
    "order_idempotency_key", metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.BigInteger(), nullable=False),
    sa.Column("idem_key", sa.String(64), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("order_sn", sa.String(32), nullable=False),
    sa.Column("create_time", sa.DateTime(), nullable=False),
    # Decides concurrent duplicates: the second insert of a key fails, whoever it is.
    sa.UniqueConstraint("user_id", "idem_key"),
    **_MYSQL,
)

settlement_record = sa.Table(
    "order_settlement_record", metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("homestay_business_id", sa.BigInteger(), nullable=False),
    sa.Column("settle_day", sa.Date(), nullable=False),
    sa.Column("order_count", sa.Integer(), nullable=False),
    sa.Column("gross_amount", Money(), nullable=False),
    sa.Column("commission_bps", sa.Integer(), nullable=False),
    sa.Column("commission_amount", Money(), nullable=False),
    sa.Column("net_amount", Money(), nullable=False),
    sa.Column("create_time", sa.DateTime(), nullable=False),
    # One record per business and day: a rerun or a second replica inserts nothing.
    sa.UniqueConstraint("homestay_business_id", "settle_day"),
    **_MYSQL,
)

delay_job = delay_jobs_table(metadata, "order_delay_job")
leader_lease = leader_leases_table(metadata, "order_leader_lease")
