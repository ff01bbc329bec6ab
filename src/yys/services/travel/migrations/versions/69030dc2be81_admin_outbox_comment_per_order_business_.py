"""admin: outbox, comment per order, business comment count

Revision ID: 69030dc2be81
Revises: 1acf810316d2
Create Date: 2026-11-27 06:14:44.878603
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = '69030dc2be81'
down_revision: str | Sequence[str] | None = '1acf810316d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('travel_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('topic', sa.String(length=255), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('payload', sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mariadb').with_variant(mysql.MEDIUMTEXT(), 'mysql'), nullable=False),
    sa.Column('headers', sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mariadb').with_variant(mysql.MEDIUMTEXT(), 'mysql'), nullable=False),
    sa.Column('created_at', sa.Double(), nullable=False),
    sa.Column('published_at', sa.Double(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_travel_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_travel_outbox_event_id'))
    )
    with op.batch_alter_table('travel_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_travel_outbox_pending', ['published_at', 'id'], unique=False)

    with op.batch_alter_table('travel_homestay_business', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_count', sa.BigInteger(), server_default='0', nullable=False))
    # Existing comments count from the start (the star is left as it was entered).
    op.execute(
        "UPDATE travel_homestay_business SET comment_count = ("
        " SELECT COUNT(*) FROM travel_homestay_comment c"
        " JOIN travel_homestay h ON h.id = c.homestay_id"
        " WHERE h.homestay_business_id = travel_homestay_business.id"
        " AND c.del_state = 0 AND h.del_state = 0)")

    # Comments not tied to an order get NULL instead of '', so the unique index only binds
    # real order numbers (several NULLs never collide, on SQLite and MariaDB alike).
    with op.batch_alter_table('travel_homestay_comment', schema=None) as batch_op:
        batch_op.alter_column('order_sn',
               existing_type=sa.String(length=64),
               nullable=True,
               server_default=None,
               existing_server_default='')
    op.execute("UPDATE travel_homestay_comment SET order_sn = NULL WHERE order_sn = ''")
    with op.batch_alter_table('travel_homestay_comment', schema=None) as batch_op:
        batch_op.create_index('uq_travel_homestay_comment_order_sn', ['order_sn'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('travel_homestay_comment', schema=None) as batch_op:
        batch_op.drop_index('uq_travel_homestay_comment_order_sn')
    op.execute("UPDATE travel_homestay_comment SET order_sn = '' WHERE order_sn IS NULL")
    with op.batch_alter_table('travel_homestay_comment', schema=None) as batch_op:
        batch_op.alter_column('order_sn',
               existing_type=sa.String(length=64),
               nullable=False,
               server_default='')

    with op.batch_alter_table('travel_homestay_business', schema=None) as batch_op:
        batch_op.drop_column('comment_count')

    with op.batch_alter_table('travel_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_travel_outbox_pending')

    op.drop_table('travel_outbox')
