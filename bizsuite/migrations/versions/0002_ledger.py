"""ledger: chart of accounts, journal entries

Revision ID: 0002_ledger
Revises: 0001_foundation
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import bizsuite.core.types
import bizsuite.core.money

revision = '0002_ledger'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
