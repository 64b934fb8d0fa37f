"""ledger: posted entries are sealed (a hash chain), and nothing is added to a sealed entry

Revision ID: ledger_0002_seal
Revises: ledger_0001_branch
Create Date: 2026-12-02

Two columns on ``ledger_entries`` (core/chain.py, ledger/models.py LEDGER_CHAIN): ``seal_no``,
the entry's place in the chain of posted entries, and ``seal``, the SHA-256 of the previous
entry's seal and of this entry with all its lines. Added with plain ``ADD COLUMN`` — no table
rebuild, so 0002_ledger's triggers stay. Then triggers that close what 0002_ledger left open:

- a line may be added to a posted entry only until it is sealed (in the unit of work that posts
  it); an INSERT into a sealed entry is refused;
- a seal is set once (NULL → value), only on a posted entry, and never changed;
- ``contact_id`` of a posted entry or line never changes (it is part of the seal).

Existing posted entries are sealed here, in id order.
"""
from alembic import op
import sqlalchemy as sa

revision = 'ledger_0002_seal'
down_revision = 'ledger_0001_branch'
branch_labels = None
depends_on = None

NEVER_CHANGE = "posted ledger entries never change"
SEAL_ONCE = "a seal is set once, on a posted entry, and never changed"
SQLITE_TRIGGERS = ('ledger_lines_sealed_never_insert', 'ledger_lines_contact_never_update',
                   'ledger_entries_posted_contact_never_update', 'ledger_entries_seal_once')
PG_FUNCTIONS = ('ledger_lines_sealed_never_insert()', 'ledger_seal_once()')


def upgrade() -> None:
    op.add_column('ledger_entries', sa.Column('seal_no', sa.Integer(), nullable=True))
    op.add_column('ledger_entries', sa.Column('seal', sa.String(length=64), nullable=True))
    op.create_index('uq_ledger_entries_seal_no', 'ledger_entries', ['seal_no'], unique=True)
    op.create_index('ix_ledger_entries_unsealed', 'ledger_entries', ['id'], unique=False,
                    sqlite_where=sa.text('seal IS NULL'), postgresql_where=sa.text('seal IS NULL'))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        abort = f"BEGIN SELECT RAISE(ABORT, '{NEVER_CHANGE}'); END"
        op.execute("CREATE TRIGGER ledger_lines_sealed_never_insert BEFORE INSERT ON ledger_lines "
                   "WHEN (SELECT seal FROM ledger_entries WHERE id = NEW.entry_id) IS NOT NULL " + abort)
        op.execute("CREATE TRIGGER ledger_lines_contact_never_update BEFORE UPDATE OF contact_id ON ledger_lines "
                   + abort)
        op.execute("CREATE TRIGGER ledger_entries_posted_contact_never_update BEFORE UPDATE OF contact_id "
                   "ON ledger_entries WHEN OLD.status = 'posted' " + abort)
        op.execute("CREATE TRIGGER ledger_entries_seal_once BEFORE UPDATE OF seal_no, seal ON ledger_entries "
                   "WHEN OLD.seal IS NOT NULL OR OLD.seal_no IS NOT NULL OR NEW.status <> 'posted' "
                   f"BEGIN SELECT RAISE(ABORT, '{SEAL_ONCE}'); END")
    elif bind.dialect.name == "postgresql":
        raise_ = "USING ERRCODE = 'integrity_constraint_violation'"
        op.execute(
            "CREATE FUNCTION ledger_lines_sealed_never_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF EXISTS (SELECT 1 FROM ledger_entries WHERE id = NEW.entry_id AND seal IS NOT NULL) THEN "
            f"RAISE EXCEPTION '{NEVER_CHANGE}' {raise_}; END IF; RETURN NEW; END $$")
        op.execute(f"CREATE FUNCTION ledger_seal_once() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN RAISE EXCEPTION '{SEAL_ONCE}' {raise_}; END $$")
        op.execute("CREATE TRIGGER ledger_lines_sealed_never_insert BEFORE INSERT ON ledger_lines "
                   "FOR EACH ROW EXECUTE FUNCTION ledger_lines_sealed_never_insert()")
        op.execute("CREATE TRIGGER ledger_lines_contact_never_update BEFORE UPDATE OF contact_id ON ledger_lines "
                   "FOR EACH ROW EXECUTE FUNCTION ledger_posted_never_change()")
        op.execute("CREATE TRIGGER ledger_entries_posted_contact_never_update BEFORE UPDATE OF contact_id "
                   "ON ledger_entries FOR EACH ROW WHEN (OLD.status = 'posted') "
                   "EXECUTE FUNCTION ledger_posted_never_change()")
        op.execute("CREATE TRIGGER ledger_entries_seal_once BEFORE UPDATE OF seal_no, seal ON ledger_entries "
                   "FOR EACH ROW WHEN (OLD.seal IS NOT NULL OR OLD.seal_no IS NOT NULL OR NEW.status <> 'posted') "
                   "EXECUTE FUNCTION ledger_seal_once()")
    from bizsuite.core import chain
    from bizsuite.erp.ledger.models import LEDGER_CHAIN

    chain.seal_all(bind, [LEDGER_CHAIN])


def downgrade() -> None:
    bind = op.get_bind()
    for name in SQLITE_TRIGGERS:
        table = 'ledger_lines' if name.startswith('ledger_lines') else 'ledger_entries'
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if bind.dialect.name == "postgresql" else ""))
    if bind.dialect.name == "postgresql":
        for fn in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.drop_index('ix_ledger_entries_unsealed', table_name='ledger_entries',
                  sqlite_where=sa.text('seal IS NULL'), postgresql_where=sa.text('seal IS NULL'))
    op.drop_index('uq_ledger_entries_seal_no', table_name='ledger_entries')
    # SQLite: ALTER TABLE DROP COLUMN (3.35+) keeps the table, and so 0002_ledger's triggers
    op.drop_column('ledger_entries', 'seal')
    op.drop_column('ledger_entries', 'seal_no')
