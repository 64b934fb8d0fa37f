"""ledger: PostgreSQL checks that no line is added to a sealed entry once per statement

Revision ID: ledger_0004_lines_per_statement
Revises: ledger_0003_once
Create Date: 2026-12-02

ledger_0002_seal refuses an INSERT of a line into a sealed entry with a row trigger; on
PostgreSQL that is a PL/pgSQL call and an index probe per line (2 s of a 100k-entry import's
300k lines on a loaded machine). Here the same refusal becomes one check per statement: an
``AFTER INSERT … FOR EACH STATEMENT`` trigger over the statement's new rows (a transition
table) that raises when any of them belongs to a sealed entry — the whole statement fails, as
before, whether it inserts one line or a million. Same name, so ``bizsuite check`` ("posted
ledger entries are protected") sees it. SQLite keeps its row trigger (it has no statement
triggers, and its trigger is an in-process B-tree probe).
"""
from alembic import op

revision = 'ledger_0004_lines_per_statement'
down_revision = 'ledger_0003_once'
branch_labels = None
depends_on = None

NEVER_CHANGE = "posted ledger entries never change"
_RAISE = f"RAISE EXCEPTION '{NEVER_CHANGE}' USING ERRCODE = 'integrity_constraint_violation'"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER ledger_lines_sealed_never_insert ON ledger_lines")
    op.execute("DROP FUNCTION ledger_lines_sealed_never_insert()")
    op.execute(
        "CREATE FUNCTION ledger_lines_sealed_never_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF EXISTS (SELECT 1 FROM ledger_new_lines n JOIN ledger_entries e ON e.id = n.entry_id "
        f"WHERE e.seal IS NOT NULL) THEN {_RAISE}; END IF; RETURN NULL; END $$")
    op.execute("CREATE TRIGGER ledger_lines_sealed_never_insert AFTER INSERT ON ledger_lines "
               "REFERENCING NEW TABLE AS ledger_new_lines FOR EACH STATEMENT "
               "EXECUTE FUNCTION ledger_lines_sealed_never_insert()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER ledger_lines_sealed_never_insert ON ledger_lines")
    op.execute("DROP FUNCTION ledger_lines_sealed_never_insert()")
    op.execute(
        "CREATE FUNCTION ledger_lines_sealed_never_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF EXISTS (SELECT 1 FROM ledger_entries WHERE id = NEW.entry_id AND seal IS NOT NULL) THEN "
        f"{_RAISE}; END IF; RETURN NEW; END $$")
    op.execute("CREATE TRIGGER ledger_lines_sealed_never_insert BEFORE INSERT ON ledger_lines "
               "FOR EACH ROW EXECUTE FUNCTION ledger_lines_sealed_never_insert()")
