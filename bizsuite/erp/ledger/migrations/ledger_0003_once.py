"""ledger: what happens once — closed years, and an imported entry lands once

Revision ID: ledger_0003_once
Revises: ledger_0002_seal
Create Date: 2026-12-02

- ``ledger_closings``: one row per closed year (the year is the primary key), so a year is
  closed once whatever races; books closed before this revision get a row per year from their
  closing entries (the first one, when a race posted several); the lock date before each is
  taken as the end of the year closed before it (the real one is not known).
- ``uq_ledger_entries_import_key``: a unique index on the import key. Books where concurrent
  imports already landed a journal twice (PostgreSQL before this revision) keep every entry;
  the later copies' keys get ``~<id>`` appended so that the index can be built — posted entries
  are otherwise never changed, so the trigger that refuses it stands aside for this one UPDATE.
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa
import sqlmodel

import bizsuite.core.types

revision = 'ledger_0003_once'
down_revision = 'ledger_0002_seal'
branch_labels = None
depends_on = None

_TRIGGER = "ledger_entries_posted_never_update"


def _mark_second_copies(bind) -> None:
    dups = bind.execute(sa.text(
        "SELECT e.id FROM ledger_entries e WHERE e.import_key IS NOT NULL AND EXISTS ("
        " SELECT 1 FROM ledger_entries f WHERE f.import_key = e.import_key AND f.id < e.id)")).scalars().all()
    if not dups:
        return
    mark = sa.text("UPDATE ledger_entries SET import_key = import_key || '~' || CAST(id AS VARCHAR(12)) "
                   "WHERE id = :id")
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE ledger_entries DISABLE TRIGGER {_TRIGGER}")
        for i in dups:
            bind.execute(mark, {"id": i})
        op.execute(f"ALTER TABLE ledger_entries ENABLE TRIGGER {_TRIGGER}")
    else:
        sql = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                           {"n": _TRIGGER}).scalar()
        if sql:
            op.execute(f"DROP TRIGGER {_TRIGGER}")
        for i in dups:
            bind.execute(mark, {"id": i})
        if sql:
            op.execute(sql)


def upgrade() -> None:
    op.create_table(
        'ledger_closings',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=True),
        sa.Column('lock_before', sa.Date(), nullable=True),
        sa.Column('closed_at', bizsuite.core.types.UTCDateTime(), nullable=False),
        sa.Column('closed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'],
                                name=op.f('fk_ledger_closings_entry_id_ledger_entries'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_ledger_closings')),
        sa.UniqueConstraint('entry_id', name=op.f('uq_ledger_closings_entry_id')),
    )
    bind = op.get_bind()
    closings = bind.execute(sa.text(
        "SELECT e.source_id, min(e.id) FROM ledger_entries e "
        "WHERE e.source_kind = 'close_year' AND e.status = 'posted' AND e.reverses_id IS NULL "
        "AND e.source_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses_id = e.id) "
        "GROUP BY e.source_id")).all()
    previous = None
    for year, entry_id in sorted(closings):
        at, by = bind.execute(sa.text("SELECT posted_at, posted_by FROM ledger_entries WHERE id = :i"),
                              {"i": entry_id}).one()
        # the lock date before this close is not known; at least the end of the year closed before
        before = dt.date(previous, 12, 31) if previous is not None else None
        bind.execute(sa.text("INSERT INTO ledger_closings (year, entry_id, lock_before, closed_at, closed_by) "
                             "VALUES (:y, :e, :b, :at, :by)").bindparams(sa.bindparam("b", type_=sa.Date())),
                     {"y": year, "e": entry_id, "b": before, "at": at, "by": by or "?"})
        previous = year
    _mark_second_copies(bind)
    op.create_index('uq_ledger_entries_import_key', 'ledger_entries', ['import_key'], unique=True,
                    sqlite_where=sa.text('import_key IS NOT NULL'), postgresql_where=sa.text('import_key IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('uq_ledger_entries_import_key', table_name='ledger_entries')
    op.drop_table('ledger_closings')
