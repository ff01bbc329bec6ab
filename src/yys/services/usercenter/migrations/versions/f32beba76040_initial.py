"""initial: users and their login methods (SQLite and MariaDB, utf8mb4)

Revision ID: f32beba76040
Revises:
Create Date: 2026-11-27 05:26:58.519569
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f32beba76040'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('usercenter_user',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.Column('password', sa.String(length=255), server_default='', nullable=False),
    sa.Column('nickname', sa.String(length=64), server_default='', nullable=False),
    sa.Column('sex', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('avatar', sa.String(length=512), server_default='', nullable=False),
    sa.Column('info', sa.String(length=255), server_default='', nullable=False),
    sa.Column('disabled', sa.Boolean(), server_default=sa.text('0'), nullable=False),
    sa.Column('create_time', sa.DateTime(), nullable=False),
    sa.Column('update_time', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mobile', name='uq_usercenter_user_mobile'),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('usercenter_user_auth',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('auth_type', sa.String(length=16), nullable=False),
    sa.Column('auth_key', sa.String(length=64), nullable=False),
    sa.Column('create_time', sa.DateTime(), nullable=False),
    sa.Column('update_time', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('auth_type', 'auth_key', name='uq_usercenter_user_auth_key'),
    sa.UniqueConstraint('user_id', 'auth_type', name='uq_usercenter_user_auth_user_type'),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )


def downgrade() -> None:
    op.drop_table('usercenter_user_auth')
    op.drop_table('usercenter_user')
