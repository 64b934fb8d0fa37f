"""tickets: helpdesk tickets, threads, SLA policies

Revision ID: 0003_tickets
Revises: 0002_ledger
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import bizsuite.core.types
import bizsuite.core.money

revision = '0003_tickets'
down_revision = '0002_ledger'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
