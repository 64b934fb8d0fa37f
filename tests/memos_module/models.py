"""The memos table, on a MetaData of its own (so the real schema's drift checks never see it)."""

from sqlalchemy import Column, Integer, MetaData, String, Table

metadata = MetaData()

memos = Table(
    "memos", metadata,
    Column("id", Integer, primary_key=True),
    Column("contact_id", Integer, nullable=True),
    Column("text", String(200), nullable=False),
)
