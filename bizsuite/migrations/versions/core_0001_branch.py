"""core: the branch of the core's own tables (settings, users, audit log)

Revision ID: core_0001_branch
Revises: 0003_tickets
Create Date: 2026-12-01

Opens the ``core`` branch. Books up to 0003_tickets were made by one straight chain of
revisions (0001_foundation → 0002_ledger → 0003_tickets: core, contacts, ledger and tickets
together); from here on each module has a branch of its own, so modules add revisions without
touching each other. This revision changes nothing in the schema: it only names the branch.
"""

revision = 'core_0001_branch'
down_revision = '0003_tickets'
branch_labels = ('core',)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
