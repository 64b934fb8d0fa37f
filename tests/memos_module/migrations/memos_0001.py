"""memos: the memos table

Revision ID: memos_0001
Revises:
Create Date: 2026-12-01

A new module's first revision: a root of its own (``down_revision = None``), labelled with the
module's name, depending on the branches of the modules it needs.
"""
from alembic import op
import sqlalchemy as sa

revision = 'memos_0001'
down_revision = None
branch_labels = ('memos',)
depends_on = ('core', 'contacts')


def upgrade() -> None:
    op.create_table('memos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('memos')
