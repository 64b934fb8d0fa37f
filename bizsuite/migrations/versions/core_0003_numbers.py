"""core: number series for documents (core/numbering.py)

Revision ID: core_0003_numbers
Revises: core_0002_chain
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = 'core_0003_numbers'
down_revision = 'core_0002_chain'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'number_series',
        sa.Column('series', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('next', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('series', name=op.f('pk_number_series')),
    )


def downgrade() -> None:
    op.drop_table('number_series')
