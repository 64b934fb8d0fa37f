"""stock: products, locations, quants, moves, revaluations, reservations

Revision ID: stock_0001
Revises:
Create Date: 2026-12-02

The stock module's first revision: a root of its own (branch ``stock``), after the core, contacts
(a product's supplier) and the ledger (a move's entry). Tables from autogenerate, then by hand:
the triggers that keep stock moves and their revaluations as they were written (no UPDATE, no
DELETE, no TRUNCATE): a mistake is corrected by another move.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import bizsuite.core.money
import bizsuite.core.types


revision = 'stock_0001'
down_revision = None
branch_labels = ('stock',)
depends_on = ('core', 'contacts', 'ledger')


NEVER_CHANGE = "stock moves never change: correct a mistake with another move"
GUARDED = ("stock_moves", "stock_revaluations")


def _create_triggers() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        abort = f"BEGIN SELECT RAISE(ABORT, '{NEVER_CHANGE}'); END"
        for table in GUARDED:
            op.execute(f"CREATE TRIGGER {table}_never_update BEFORE UPDATE ON {table} {abort}")
            op.execute(f"CREATE TRIGGER {table}_never_delete BEFORE DELETE ON {table} {abort}")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE FUNCTION stock_moves_never_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN RAISE EXCEPTION '{NEVER_CHANGE}' USING ERRCODE = 'integrity_constraint_violation'; END $$")
        run = "EXECUTE FUNCTION stock_moves_never_change()"
        for table in GUARDED:
            op.execute(f"CREATE TRIGGER {table}_never_update BEFORE UPDATE ON {table} FOR EACH ROW {run}")
            op.execute(f"CREATE TRIGGER {table}_never_delete BEFORE DELETE ON {table} FOR EACH ROW {run}")
            op.execute(f"CREATE TRIGGER {table}_never_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT {run}")


def _drop_triggers() -> None:
    bind = op.get_bind()
    for table in GUARDED:
        for what in ("update", "delete") + (("truncate",) if bind.dialect.name == "postgresql" else ()):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_never_{what}" +
                       (f" ON {table}" if bind.dialect.name == "postgresql" else ""))
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS stock_moves_never_change()")


def upgrade() -> None:
    op.create_table('stock_locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', bizsuite.core.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('updated_at', bizsuite.core.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['stock_locations.id'], name=op.f('fk_stock_locations_parent_id_stock_locations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_locations')),
    sa.UniqueConstraint('name_key', name=op.f('uq_stock_locations_name_key'))
    )
    with op.batch_alter_table('stock_locations', schema=None) as batch_op:
        batch_op.create_index('uq_stock_locations_default', ['is_default'], unique=True, sqlite_where=sa.text('is_default'), postgresql_where=sa.text('is_default'))

    op.create_table('stock_products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sku_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('price', bizsuite.core.money.UnitPrice(), nullable=False),
    sa.Column('tax_rate', bizsuite.core.money.Percent(), nullable=False),
    sa.Column('reorder_point', bizsuite.core.money.Quantity(), nullable=False),
    sa.Column('reorder_qty', bizsuite.core.money.Quantity(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('on_hand', bizsuite.core.money.Quantity(), nullable=False),
    sa.Column('value', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('last_move', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', bizsuite.core.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('updated_at', bizsuite.core.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_stock_products_on_hand')),
    sa.ForeignKeyConstraint(['supplier_id'], ['contacts.id'], name=op.f('fk_stock_products_supplier_id_contacts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_products')),
    sa.UniqueConstraint('sku_key', name=op.f('uq_stock_products_sku_key'))
    )
    with op.batch_alter_table('stock_products', schema=None) as batch_op:
        batch_op.create_index('ix_stock_products_name_key', ['name_key'], unique=False)
        batch_op.create_index('ix_stock_products_supplier_id', ['supplier_id'], unique=False)

    op.create_table('stock_moves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('quantity', bizsuite.core.money.Quantity(), nullable=False),
    sa.Column('from_location_id', sa.Integer(), nullable=True),
    sa.Column('to_location_id', sa.Integer(), nullable=True),
    sa.Column('qty_delta', bizsuite.core.money.Quantity(), nullable=False),
    sa.Column('unit_cost', bizsuite.core.money.UnitPrice(), nullable=False),
    sa.Column('value', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('value_delta', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('at_average', sa.Boolean(), nullable=False),
    sa.Column('source_kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('source_ref', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('counted', bizsuite.core.money.Quantity(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('counter_role', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('created_at', bizsuite.core.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.CheckConstraint("kind IN ('receipt', 'opening', 'return', 'delivery', 'return_out', 'adjustment', 'transfer')", name=op.f('ck_stock_moves_kind')),
    sa.CheckConstraint('from_location_id IS NOT NULL OR to_location_id IS NOT NULL', name=op.f('ck_stock_moves_locations')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_stock_moves_quantity')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_stock_moves_entry_id_ledger_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['from_location_id'], ['stock_locations.id'], name=op.f('fk_stock_moves_from_location_id_stock_locations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['stock_products.id'], name=op.f('fk_stock_moves_product_id_stock_products'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['to_location_id'], ['stock_locations.id'], name=op.f('fk_stock_moves_to_location_id_stock_locations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_moves'))
    )
    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.create_index('ix_stock_moves_date', ['date'], unique=False)
        batch_op.create_index('ix_stock_moves_from', ['from_location_id', 'product_id'], unique=False)
        batch_op.create_index('ix_stock_moves_product_date', ['product_id', 'date', 'id'], unique=False)
        batch_op.create_index('ix_stock_moves_source', ['source_kind', 'source_id'], unique=False)
        batch_op.create_index('ix_stock_moves_to', ['to_location_id', 'product_id'], unique=False)

    op.create_table('stock_quants',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('quantity', bizsuite.core.money.Quantity(), nullable=False),
    sa.Column('reserved', bizsuite.core.money.Quantity(), nullable=False),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_stock_quants_quantity')),
    sa.CheckConstraint('reserved >= 0', name=op.f('ck_stock_quants_reserved')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_stock_quants_location_id_stock_locations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['stock_products.id'], name=op.f('fk_stock_quants_product_id_stock_products'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('product_id', 'location_id', name=op.f('pk_stock_quants'))
    )
    with op.batch_alter_table('stock_quants', schema=None) as batch_op:
        batch_op.create_index('ix_stock_quants_location_id', ['location_id'], unique=False)

    op.create_table('stock_reservations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('quantity', bizsuite.core.money.Quantity(), nullable=False),
    sa.Column('source_kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('created_at', bizsuite.core.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_stock_reservations_location_id_stock_locations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['stock_products.id'], name=op.f('fk_stock_reservations_product_id_stock_products'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_reservations')),
    sa.UniqueConstraint('source_kind', 'source_id', 'product_id', 'location_id', name='uq_stock_reservations_line')
    )
    with op.batch_alter_table('stock_reservations', schema=None) as batch_op:
        batch_op.create_index('ix_stock_reservations_product', ['product_id', 'location_id'], unique=False)

    op.create_table('stock_revaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('move_id', sa.Integer(), nullable=False),
    sa.Column('cause_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('value_delta', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bizsuite.core.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['cause_id'], ['stock_moves.id'], name=op.f('fk_stock_revaluations_cause_id_stock_moves'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_stock_revaluations_entry_id_ledger_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['move_id'], ['stock_moves.id'], name=op.f('fk_stock_revaluations_move_id_stock_moves'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['stock_products.id'], name=op.f('fk_stock_revaluations_product_id_stock_products'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_revaluations'))
    )
    with op.batch_alter_table('stock_revaluations', schema=None) as batch_op:
        batch_op.create_index('ix_stock_revaluations_cause_id', ['cause_id'], unique=False)
        batch_op.create_index('ix_stock_revaluations_move_id', ['move_id'], unique=False)
        batch_op.create_index('ix_stock_revaluations_product_date', ['product_id', 'date'], unique=False)


    _create_triggers()

def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table('stock_revaluations', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_revaluations_product_date')
        batch_op.drop_index('ix_stock_revaluations_move_id')
        batch_op.drop_index('ix_stock_revaluations_cause_id')

    op.drop_table('stock_revaluations')
    with op.batch_alter_table('stock_reservations', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_reservations_product')

    op.drop_table('stock_reservations')
    with op.batch_alter_table('stock_quants', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_quants_location_id')

    op.drop_table('stock_quants')
    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_moves_to')
        batch_op.drop_index('ix_stock_moves_source')
        batch_op.drop_index('ix_stock_moves_product_date')
        batch_op.drop_index('ix_stock_moves_from')
        batch_op.drop_index('ix_stock_moves_date')

    op.drop_table('stock_moves')
    with op.batch_alter_table('stock_products', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_products_supplier_id')
        batch_op.drop_index('ix_stock_products_name_key')

    op.drop_table('stock_products')
    with op.batch_alter_table('stock_locations', schema=None) as batch_op:
        batch_op.drop_index('uq_stock_locations_default', sqlite_where=sa.text('is_default'), postgresql_where=sa.text('is_default'))

    op.drop_table('stock_locations')
