"""purchasing: orders, lines, receipts, bills, payments

Revision ID: purchasing_0001
Revises:
Create Date: 2026-12-02

The purchasing module's first revision: a root of its own (branch ``purchasing``), after the
core, contacts (an order's supplier), the ledger (a bill's or payment's entry) and stock (an
order line's product, a receipt line's move). Made by autogenerate on books at every other head.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import bizsuite.core.money
import bizsuite.core.types


revision = 'purchasing_0001'
down_revision = None
branch_labels = ('purchasing',)
depends_on = ('core', 'contacts', 'ledger', 'stock')


def upgrade() -> None:
    op.create_table('purchase_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('expected', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', bizsuite.core.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('updated_at', bizsuite.core.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'confirmed', 'partially_received', 'received', 'closed', 'cancelled')", name=op.f('ck_purchase_orders_status')),
    sa.ForeignKeyConstraint(['supplier_id'], ['contacts.id'], name=op.f('fk_purchase_orders_supplier_id_contacts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders')),
    sa.UniqueConstraint('number', name=op.f('uq_purchase_orders_number'))
    )
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_orders_status', ['status'], unique=False)
        batch_op.create_index('ix_purchase_orders_supplier_id', ['supplier_id'], unique=False)

    op.create_table('purchase_bills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('ref_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('net', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('tax', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('total', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('paid', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bizsuite.core.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.CheckConstraint('paid >= 0 AND paid <= total', name=op.f('ck_purchase_bills_paid')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_purchase_bills_entry_id_ledger_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_bills_order_id_purchase_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['supplier_id'], ['contacts.id'], name=op.f('fk_purchase_bills_supplier_id_contacts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_bills')),
    sa.UniqueConstraint('number', name=op.f('uq_purchase_bills_number')),
    sa.UniqueConstraint('supplier_id', 'ref_key', name='uq_purchase_bills_supplier_ref')
    )
    with op.batch_alter_table('purchase_bills', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_bills_due', ['due'], unique=False)
        batch_op.create_index('ix_purchase_bills_order_id', ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_bills_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('purchase_order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', bizsuite.core.money.Quantity(), nullable=False),
    sa.Column('unit_price', bizsuite.core.money.UnitPrice(), nullable=False),
    sa.Column('tax_rate', bizsuite.core.money.Percent(), nullable=False),
    sa.Column('received', bizsuite.core.money.Quantity(), nullable=False),
    sa.Column('billed', bizsuite.core.money.Quantity(), nullable=False),
    sa.CheckConstraint('billed >= 0 AND billed <= received', name=op.f('ck_purchase_order_lines_billed')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_purchase_order_lines_quantity')),
    sa.CheckConstraint('received >= 0', name=op.f('ck_purchase_order_lines_received')),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_order_lines_order_id_purchase_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['stock_products.id'], name=op.f('fk_purchase_order_lines_product_id_stock_products'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_lines')),
    sa.UniqueConstraint('order_id', 'product_id', name='uq_purchase_order_lines_product')
    )
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_order_lines_product_id', ['product_id'], unique=False)

    op.create_table('purchase_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('over_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bizsuite.core.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_purchase_receipts_entry_id_ledger_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_purchase_receipts_location_id_stock_locations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_receipts_order_id_purchase_orders'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_receipts'))
    )
    with op.batch_alter_table('purchase_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_receipts_order_id'), ['order_id'], unique=False)

    op.create_table('purchase_bill_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', bizsuite.core.money.Quantity(), nullable=False),
    sa.Column('unit_price', bizsuite.core.money.UnitPrice(), nullable=False),
    sa.Column('tax_rate', bizsuite.core.money.Percent(), nullable=False),
    sa.Column('net', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('tax', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('grni', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('difference', bizsuite.core.money.Amount(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_purchase_bill_lines_quantity')),
    sa.ForeignKeyConstraint(['bill_id'], ['purchase_bills.id'], name=op.f('fk_purchase_bill_lines_bill_id_purchase_bills'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_line_id'], ['purchase_order_lines.id'], name=op.f('fk_purchase_bill_lines_order_line_id_purchase_order_lines'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_bill_lines'))
    )
    with op.batch_alter_table('purchase_bill_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_bill_lines_bill_id'), ['bill_id'], unique=False)
        batch_op.create_index('ix_purchase_bill_lines_order_line_id', ['order_line_id'], unique=False)

    op.create_table('purchase_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('amount', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bizsuite.core.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_purchase_payments_amount')),
    sa.ForeignKeyConstraint(['bill_id'], ['purchase_bills.id'], name=op.f('fk_purchase_payments_bill_id_purchase_bills'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_purchase_payments_entry_id_ledger_entries'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_payments')),
    sa.UniqueConstraint('number', name=op.f('uq_purchase_payments_number'))
    )
    with op.batch_alter_table('purchase_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_payments_bill_id'), ['bill_id'], unique=False)

    op.create_table('purchase_receipt_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', bizsuite.core.money.Quantity(), nullable=False),
    sa.Column('unit_cost', bizsuite.core.money.UnitPrice(), nullable=False),
    sa.Column('value', bizsuite.core.money.Amount(), nullable=False),
    sa.Column('move_id', sa.Integer(), nullable=False),
    sa.Column('billed', bizsuite.core.money.Quantity(), nullable=False),
    sa.CheckConstraint('billed >= 0 AND billed <= quantity', name=op.f('ck_purchase_receipt_lines_billed')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_purchase_receipt_lines_quantity')),
    sa.ForeignKeyConstraint(['move_id'], ['stock_moves.id'], name=op.f('fk_purchase_receipt_lines_move_id_stock_moves'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_line_id'], ['purchase_order_lines.id'], name=op.f('fk_purchase_receipt_lines_order_line_id_purchase_order_lines'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['receipt_id'], ['purchase_receipts.id'], name=op.f('fk_purchase_receipt_lines_receipt_id_purchase_receipts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_receipt_lines'))
    )
    with op.batch_alter_table('purchase_receipt_lines', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_receipt_lines_order_line_id', ['order_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_receipt_lines_receipt_id'), ['receipt_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('purchase_receipt_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_receipt_lines_receipt_id'))
        batch_op.drop_index('ix_purchase_receipt_lines_order_line_id')

    op.drop_table('purchase_receipt_lines')
    with op.batch_alter_table('purchase_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_payments_bill_id'))

    op.drop_table('purchase_payments')
    with op.batch_alter_table('purchase_bill_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_bill_lines_order_line_id')
        batch_op.drop_index(batch_op.f('ix_purchase_bill_lines_bill_id'))

    op.drop_table('purchase_bill_lines')
    with op.batch_alter_table('purchase_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_receipts_order_id'))

    op.drop_table('purchase_receipts')
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_order_lines_product_id')

    op.drop_table('purchase_order_lines')
    with op.batch_alter_table('purchase_bills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_bills_supplier_id'))
        batch_op.drop_index('ix_purchase_bills_order_id')
        batch_op.drop_index('ix_purchase_bills_due')

    op.drop_table('purchase_bills')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_orders_supplier_id')
        batch_op.drop_index('ix_purchase_orders_status')

    op.drop_table('purchase_orders')
