"""travel: initial schema (homestays, businesses, activities, comments)

Revision ID: 1acf810316d2
Revises:
Create Date: 2026-11-27 05:27:37.985216
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '1acf810316d2'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('travel_homestay',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('sub_title', sa.String(length=128), server_default='', nullable=False),
    sa.Column('banner', sa.String(length=3000), server_default='', nullable=False),
    sa.Column('info', sa.String(length=4000), server_default='', nullable=False),
    sa.Column('people_num', sa.Integer(), server_default='1', nullable=False),
    sa.Column('homestay_business_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('row_state', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('row_type', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('food_info', sa.String(length=255), server_default='', nullable=False),
    sa.Column('food_price', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('homestay_price', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('market_homestay_price', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('create_time', sa.DateTime(), nullable=False),
    sa.Column('update_time', sa.DateTime(), nullable=False),
    sa.Column('del_state', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_travel_homestay'))
    )
    with op.batch_alter_table('travel_homestay', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_travel_homestay_del_state_row_state_id'), ['del_state', 'row_state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_travel_homestay_homestay_business_id_del_state_row_state_id'), ['homestay_business_id', 'del_state', 'row_state', 'id'], unique=False)

    op.create_table('travel_homestay_activity',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('row_type', sa.String(length=32), nullable=False),
    sa.Column('data_id', sa.BigInteger(), nullable=False),
    sa.Column('row_status', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('create_time', sa.DateTime(), nullable=False),
    sa.Column('update_time', sa.DateTime(), nullable=False),
    sa.Column('del_state', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_travel_homestay_activity'))
    )
    with op.batch_alter_table('travel_homestay_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_travel_homestay_activity_row_type_row_status_del_state_id'), ['row_type', 'row_status', 'del_state', 'id'], unique=False)

    op.create_table('travel_homestay_business',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('info', sa.String(length=4000), server_default='', nullable=False),
    sa.Column('boss_info', sa.String(length=4000), server_default='', nullable=False),
    sa.Column('license_fron', sa.String(length=512), server_default='', nullable=False),
    sa.Column('license_back', sa.String(length=512), server_default='', nullable=False),
    sa.Column('row_state', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('star', sa.Numeric(precision=3, scale=1), server_default='0', nullable=False),
    sa.Column('tags', sa.String(length=255), server_default='', nullable=False),
    sa.Column('cover', sa.String(length=512), server_default='', nullable=False),
    sa.Column('header_img', sa.String(length=512), server_default='', nullable=False),
    sa.Column('sell_month', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('person_consume', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('create_time', sa.DateTime(), nullable=False),
    sa.Column('update_time', sa.DateTime(), nullable=False),
    sa.Column('del_state', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_travel_homestay_business'))
    )
    with op.batch_alter_table('travel_homestay_business', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_travel_homestay_business_del_state_row_state_id'), ['del_state', 'row_state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_travel_homestay_business_user_id'), ['user_id'], unique=False)

    op.create_table('travel_homestay_comment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('homestay_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('order_sn', sa.String(length=64), server_default='', nullable=False),
    sa.Column('content', sa.String(length=2000), nullable=False),
    sa.Column('star', sa.SmallInteger(), nullable=False),
    sa.Column('create_time', sa.DateTime(), nullable=False),
    sa.Column('update_time', sa.DateTime(), nullable=False),
    sa.Column('del_state', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_travel_homestay_comment'))
    )
    with op.batch_alter_table('travel_homestay_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_travel_homestay_comment_homestay_id_del_state_id'), ['homestay_id', 'del_state', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('travel_homestay_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_travel_homestay_comment_homestay_id_del_state_id'))

    op.drop_table('travel_homestay_comment')
    with op.batch_alter_table('travel_homestay_business', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_travel_homestay_business_user_id'))
        batch_op.drop_index(batch_op.f('ix_travel_homestay_business_del_state_row_state_id'))

    op.drop_table('travel_homestay_business')
    with op.batch_alter_table('travel_homestay_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_travel_homestay_activity_row_type_row_status_del_state_id'))

    op.drop_table('travel_homestay_activity')
    with op.batch_alter_table('travel_homestay', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_travel_homestay_homestay_business_id_del_state_row_state_id'))
        batch_op.drop_index(batch_op.f('ix_travel_homestay_del_state_row_state_id'))

    op.drop_table('travel_homestay')
