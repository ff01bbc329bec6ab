"""initial: payments (one pending per order) and the payment outbox (SQLite and MariaDB, utf8mb4)

Revision ID: 60d10da2fe84
Revises:
Create Date: 2026-11-27 05:42:59.573900
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = '60d10da2fe84'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('payment_outbox',
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
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('payment_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_payment_outbox_pending', ['published_at', 'id'], unique=False)

    op.create_table('payment_third_payment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('sn', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('order_sn', sa.String(length=64), nullable=False),
    sa.Column('service_type', sa.String(length=32), nullable=False),
    sa.Column('pay_mode', sa.String(length=32), nullable=False),
    sa.Column('trade_type', sa.String(length=16), nullable=False),
    sa.Column('pay_total', sa.BigInteger(), nullable=False),
    sa.Column('pay_status', sa.SmallInteger(), nullable=False),
    sa.Column('trade_state', sa.String(length=32), server_default='', nullable=False),
    sa.Column('transaction_id', sa.String(length=64), server_default='', nullable=False),
    sa.Column('prepay_id', sa.String(length=64), server_default='', nullable=False),
    sa.Column('prepay_time', sa.BigInteger(), nullable=True),
    sa.Column('pay_time', sa.BigInteger(), nullable=True),
    sa.Column('refund_no', sa.String(length=64), server_default='', nullable=False),
    sa.Column('refund_time', sa.BigInteger(), nullable=True),
    sa.Column('pending_order_sn', sa.String(length=64), nullable=True),
    sa.Column('create_time', sa.BigInteger(), nullable=False),
    sa.Column('update_time', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pending_order_sn', name='uq_payment_third_payment_pending'),
    sa.UniqueConstraint('sn', name='uq_payment_third_payment_sn'),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('payment_third_payment', schema=None) as batch_op:
        batch_op.create_index('ix_payment_third_payment_order_sn', ['order_sn'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payment_third_payment', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_third_payment_order_sn')

    op.drop_table('payment_third_payment')
    with op.batch_alter_table('payment_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_outbox_pending')

    op.drop_table('payment_outbox')
