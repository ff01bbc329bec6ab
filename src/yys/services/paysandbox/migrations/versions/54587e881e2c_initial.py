"""initial: sandbox transactions, refunds, notify delivery jobs (SQLite and MariaDB, utf8mb4)

Revision ID: 54587e881e2c
Revises:
Create Date: 2026-11-27 05:41:19.449865
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '54587e881e2c'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('paysandbox_delay_job',
    sa.Column('id', sa.String(length=191), nullable=False),
    sa.Column('job_type', sa.String(length=191), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('headers', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('run_at_ms', sa.BigInteger(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('dedup', sa.Boolean(), nullable=False),
    sa.Column('locked_by', sa.String(length=191), nullable=True),
    sa.Column('locked_until_ms', sa.BigInteger(), nullable=True),
    sa.Column('lease_token', sa.String(length=64), nullable=True),
    sa.Column('lateness_ms', sa.BigInteger(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at_ms', sa.BigInteger(), nullable=False),
    sa.Column('finished_at_ms', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('paysandbox_delay_job', schema=None) as batch_op:
        batch_op.create_index('ix_paysandbox_delay_job_state_run_at', ['state', 'run_at_ms'], unique=False)

    op.create_table('paysandbox_leader_lease',
    sa.Column('name', sa.String(length=191), nullable=False),
    sa.Column('holder', sa.String(length=191), nullable=False),
    sa.Column('expires_at_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('paysandbox_refund',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('refund_id', sa.String(length=32), nullable=False),
    sa.Column('mchid', sa.String(length=32), nullable=False),
    sa.Column('out_refund_no', sa.String(length=64), nullable=False),
    sa.Column('out_trade_no', sa.String(length=32), nullable=False),
    sa.Column('transaction_id', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=80), server_default='', nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('create_time', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mchid', 'out_refund_no', name='uq_paysandbox_refund_out_refund_no'),
    sa.UniqueConstraint('refund_id', name='uq_paysandbox_refund_id'),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('paysandbox_transaction',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('prepay_id', sa.String(length=64), nullable=False),
    sa.Column('appid', sa.String(length=64), nullable=False),
    sa.Column('mchid', sa.String(length=32), nullable=False),
    sa.Column('out_trade_no', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=127), server_default='', nullable=False),
    sa.Column('notify_url', sa.String(length=512), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.Column('payer_openid', sa.String(length=128), nullable=False),
    sa.Column('trade_state', sa.String(length=16), nullable=False),
    sa.Column('transaction_id', sa.String(length=32), nullable=True),
    sa.Column('success_time', sa.BigInteger(), nullable=True),
    sa.Column('refunded', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('notify_id', sa.String(length=64), nullable=False),
    sa.Column('notify_attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('notified_at', sa.BigInteger(), nullable=True),
    sa.Column('create_time', sa.BigInteger(), nullable=False),
    sa.Column('update_time', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mchid', 'out_trade_no', name='uq_paysandbox_transaction_out_trade_no'),
    sa.UniqueConstraint('prepay_id', name='uq_paysandbox_transaction_prepay'),
    sa.UniqueConstraint('transaction_id', name='uq_paysandbox_transaction_txn_id'),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )


def downgrade() -> None:
    op.drop_table('paysandbox_transaction')
    op.drop_table('paysandbox_refund')
    op.drop_table('paysandbox_leader_lease')
    with op.batch_alter_table('paysandbox_delay_job', schema=None) as batch_op:
        batch_op.drop_index('ix_paysandbox_delay_job_state_run_at')

    op.drop_table('paysandbox_delay_job')
