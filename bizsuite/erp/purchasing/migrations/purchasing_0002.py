"""purchasing: supplier payments number from the books' one payments series

Revision ID: purchasing_0002
Revises: purchasing_0001
Create Date: 2026-12-03

Supplier payments took their ``PAY-`` numbers from ``purchasing.payment``; customer payments
(sales) number from the same prefix, so both now take them from ``core.payment`` and no two
payments share a number. The series' row is renamed, keeping its next number; books where sales
already made the shared series keep the larger of the two.
"""
from alembic import op
import sqlalchemy as sa


revision = 'purchasing_0002'
down_revision = 'purchasing_0001'
branch_labels = None
depends_on = ('core_0003_numbers',)


def upgrade() -> None:
    conn = op.get_bind()
    old = conn.execute(sa.text("SELECT next FROM number_series WHERE series = 'purchasing.payment'")).scalar()
    if old is None:
        return
    shared = conn.execute(sa.text("SELECT next FROM number_series WHERE series = 'core.payment'")).scalar()
    if shared is None:
        conn.execute(sa.text("UPDATE number_series SET series = 'core.payment' WHERE series = 'purchasing.payment'"))
    else:
        conn.execute(sa.text("UPDATE number_series SET next = :n WHERE series = 'core.payment'"),
                     {"n": max(int(old), int(shared))})
        conn.execute(sa.text("DELETE FROM number_series WHERE series = 'purchasing.payment'"))


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE number_series SET series = 'purchasing.payment' WHERE series = 'core.payment'"))
