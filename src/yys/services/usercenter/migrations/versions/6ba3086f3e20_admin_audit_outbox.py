"""admin audit outbox

Revision ID: 6ba3086f3e20
Revises: f32beba76040
Create Date: 2026-11-27 06:21:39.960503
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = '6ba3086f3e20'
down_revision: str | Sequence[str] | None = 'f32beba76040'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('usercenter_outbox',
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
    with op.batch_alter_table('usercenter_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_usercenter_outbox_pending', ['published_at', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('usercenter_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_usercenter_outbox_pending')

    op.drop_table('usercenter_outbox')
