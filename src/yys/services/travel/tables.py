"""travel's own schema. Every public query is an index range scan on one of the indexes below."""

from __future__ import annotations

import sqlalchemy as sa

from yys.kit.events import outbox_table

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
})

# SQLite only auto-increments an INTEGER PRIMARY KEY; MariaDB wants BIGINT ids.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Url = sa.String(512)


def _audit() -> list[sa.Column[object]]:
    return [
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("update_time", sa.DateTime(), nullable=False),
        sa.Column("del_state", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
    ]


homestay = sa.Table(
    "travel_homestay", metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(64), nullable=False),
    sa.Column("sub_title", sa.String(128), nullable=False, server_default=""),
    sa.Column("banner", sa.String(3000), nullable=False, server_default=""),
    sa.Column("info", sa.String(4000), nullable=False, server_default=""),
    sa.Column("people_num", sa.Integer(), nullable=False, server_default="1"),
    sa.Column("homestay_business_id", sa.BigInteger(), nullable=False),
    sa.Column("user_id", sa.BigInteger(), nullable=False),
    sa.Column("row_state", sa.SmallInteger(), nullable=False, server_default="0"),
    sa.Column("row_type", sa.SmallInteger(), nullable=False, server_default="0"),
    sa.Column("food_info", sa.String(255), nullable=False, server_default=""),
    sa.Column("food_price", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("homestay_price", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("market_homestay_price", sa.BigInteger(), nullable=False, server_default="0"),
    *_audit(),
    # businessList: one business, live rows, newest first by id (keyset).
    sa.Index(None, "homestay_business_id", "del_state", "row_state", "id"),
    # guessList: the newest live on-shelf rows.
    sa.Index(None, "del_state", "row_state", "id"),
)

homestay_business = sa.Table(
    "travel_homestay_business", metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(64), nullable=False),
    sa.Column("user_id", sa.BigInteger(), nullable=False),
    sa.Column("info", sa.String(4000), nullable=False, server_default=""),
    sa.Column("boss_info", sa.String(4000), nullable=False, server_default=""),
    sa.Column("license_fron", sa.String(512), nullable=False, server_default=""),
    sa.Column("license_back", sa.String(512), nullable=False, server_default=""),
    sa.Column("row_state", sa.SmallInteger(), nullable=False, server_default="0"),
    sa.Column("star", sa.Numeric(3, 1), nullable=False, server_default="0"),
    sa.Column("tags", sa.String(255), nullable=False, server_default=""),
    sa.Column("cover", Url, nullable=False, server_default=""),
    sa.Column("header_img", Url, nullable=False, server_default=""),
    # Denormalised for the list page: sales in the last month (maintained by order settlement)
    # and average nightly spend per guest (recomputed on every homestay write), in fen.
    sa.Column("sell_month", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Column("person_consume", sa.BigInteger(), nullable=False, server_default="0"),
    # Live comments on its live homestays (star is their average once there is one).
    sa.Column("comment_count", sa.BigInteger(), nullable=False, server_default="0"),
    *_audit(),
    # homestayBussinessList: live, listed rows newest first by id (keyset).
    sa.Index(None, "del_state", "row_state", "id"),
    # One business per owner account.
    sa.Index(None, "user_id"),
)

homestay_activity = sa.Table(
    "travel_homestay_activity", metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("row_type", sa.String(32), nullable=False),
    sa.Column("data_id", sa.BigInteger(), nullable=False),
    sa.Column("row_status", sa.SmallInteger(), nullable=False, server_default="0"),
    *_audit(),
    # homestayList / goodBoss: active entries of one kind, in activity order.
    sa.Index(None, "row_type", "row_status", "del_state", "id"),
)

homestay_comment = sa.Table(
    "travel_homestay_comment", metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("homestay_id", sa.BigInteger(), nullable=False),
    sa.Column("user_id", sa.BigInteger(), nullable=False),
    # The order a guest commented on; NULL for comments not tied to an order (seeded, admin).
    sa.Column("order_sn", sa.String(64), nullable=True),
    sa.Column("content", sa.String(2000), nullable=False),
    sa.Column("star", sa.SmallInteger(), nullable=False),
    *_audit(),
    # commentList: one homestay, live rows, newest first by id (keyset).
    sa.Index(None, "homestay_id", "del_state", "id"),
    # One comment per order (NULLs do not collide): decides concurrent addComment races.
    sa.Index("uq_travel_homestay_comment_order_sn", "order_sn", unique=True),
)

# Audit entries of admin writes, written in the same transaction as the change.
outbox = outbox_table(metadata, "travel_outbox")
