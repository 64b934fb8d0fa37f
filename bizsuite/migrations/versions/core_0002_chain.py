"""core: the audit log becomes a hash chain

Revision ID: core_0002_chain
Revises: core_0001_branch
Create Date: 2026-12-02

Two columns on ``audit_log`` (core/chain.py): ``seal_no``, the row's place in the chain, and
``seal``, the SHA-256 of the previous row's seal and of this row. Added with plain ``ADD
COLUMN`` (no table rebuild). A trigger lets a seal be set once — from NULL to a value — and
never changed.

``bizsuite check`` compares each user's role and active flag with what the audit log last set
them to. Users the log does not show being added (books from before the audit log recorded
every write) get one row here, ``baseline``, recording them as they are found; a user the log
has no row for is from then on one added behind bizsuite's back. Then every row is sealed, in
id order.
"""
from alembic import op
import sqlalchemy as sa

revision = 'core_0002_chain'
down_revision = 'core_0001_branch'
branch_labels = None
depends_on = None

SEAL_ONCE = "a seal is set once and never changed"


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('seal_no', sa.Integer(), nullable=True))
    op.add_column('audit_log', sa.Column('seal', sa.String(length=64), nullable=True))
    op.create_index('uq_audit_log_seal_no', 'audit_log', ['seal_no'], unique=True)
    op.create_index('ix_audit_log_unsealed', 'audit_log', ['id'], unique=False,
                    sqlite_where=sa.text('seal IS NULL'), postgresql_where=sa.text('seal IS NULL'))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE TRIGGER audit_log_seal_once BEFORE UPDATE OF seal_no, seal ON audit_log "
                   "WHEN OLD.seal IS NOT NULL OR OLD.seal_no IS NOT NULL "
                   f"BEGIN SELECT RAISE(ABORT, '{SEAL_ONCE}'); END")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE FUNCTION bizsuite_seal_once() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN RAISE EXCEPTION '{SEAL_ONCE}' USING ERRCODE = 'integrity_constraint_violation'; END $$")
        op.execute("CREATE TRIGGER audit_log_seal_once BEFORE UPDATE OF seal_no, seal ON audit_log FOR EACH ROW "
                   "WHEN (OLD.seal IS NOT NULL OR OLD.seal_no IS NOT NULL) EXECUTE FUNCTION bizsuite_seal_once()")
    _baseline_users(bind)
    from bizsuite.core import audit, chain

    chain.seal_all(bind, [audit.CHAIN])


def _baseline_users(bind) -> None:
    import json
    from datetime import datetime, timezone

    known = {r[0] for r in bind.execute(sa.text(
        "SELECT DISTINCT entity_id FROM audit_log WHERE entity = 'users' AND action = 'insert'"))}
    users = bind.execute(sa.text("SELECT id, name, role, active FROM users ORDER BY id")).all()
    now = datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M:%S.%f')  # UTCDateTime's stored form
    for uid, name, role, active in users:
        if str(uid) in known:
            continue
        changes = json.dumps({"active": [None, bool(active)], "name": [None, name], "role": [None, role]},
                             ensure_ascii=False, sort_keys=True)
        bind.execute(sa.text(
            "INSERT INTO audit_log (at, actor, via, entity, entity_id, action, changes) "
            "VALUES (:at, 'bizsuite', 'baseline', 'users', :id, 'insert', :c)"),
            {"at": now, "id": str(uid), "c": changes})


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_seal_once ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS bizsuite_seal_once()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_seal_once")
    op.drop_index('ix_audit_log_unsealed', table_name='audit_log',
                  sqlite_where=sa.text('seal IS NULL'), postgresql_where=sa.text('seal IS NULL'))
    op.drop_index('uq_audit_log_seal_no', table_name='audit_log')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('seal')
        batch_op.drop_column('seal_no')
