"""Contact tables and the input/output models of the contacts module."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from bizsuite.core.types import UTCDateTime
from bizsuite.core.versioning import Versioned

KINDS = ("company", "person")
ROLES = ("customer", "supplier", "lead", "employee")
ACTIVITY_KINDS = ("note", "call", "meeting", "email")


class Contact(Versioned, SQLModel, table=True):
    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint("kind IN ('company', 'person')", name="kind"),
        Index("ix_contacts_sort_name_id", "sort_name", "id"),
        Index("ix_contacts_updated_at", "updated_at"),
    )
    __audit_exclude__ = ("sort_name", "search_text")

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    name: str = Field(max_length=200)
    sort_name: str = Field(max_length=200)
    company_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="RESTRICT"), index=True),
    )
    email: str | None = Field(default=None, max_length=254, index=True)
    phone: str | None = Field(default=None, max_length=32, index=True)
    is_customer: bool = Field(default=False)
    is_supplier: bool = Field(default=False)
    is_lead: bool = Field(default=False)
    is_employee: bool = Field(default=False)
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, sa_column=Column(Text))
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    version: int = Field(default=1)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=64)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str = Field(max_length=64)

    @property
    def roles(self) -> list[str]:
        return [r for r in ROLES if getattr(self, f"is_{r}")]




class ContactTag(SQLModel, table=True):
    __tablename__ = "contact_tags"
    __table_args__ = (Index("ix_contact_tags_tag", "tag"),)

    contact_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
        )
    )
    tag: str = Field(primary_key=True, max_length=50)


class Activity(SQLModel, table=True):
    __tablename__ = "contact_activities"
    __table_args__ = (
        CheckConstraint("kind IN ('note', 'call', 'meeting', 'email')", name="kind"),
        Index("ix_contact_activities_contact_id_occurred_at", "contact_id", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=10)
    subject: str = Field(max_length=200)
    body: str | None = Field(default=None, sa_column=Column(Text))
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    author: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


# -- input and output models -------------------------------------------------------------------


@dataclass
class ContactIn:
    """What a person or a file gives us for a contact, before validation (all text)."""

    name: str = ""
    kind: str = "person"
    company: str | None = None  # a company's name; resolved (and created if need be) on save
    company_id: int | None = None
    email: str | None = None
    phone: str | None = None
    roles: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    address: str | None = None
    city: str | None = None
    country: str | None = None
    notes: str | None = None


@dataclass
class ContactRow:
    """One row of a contact list (what the paged table and ``contacts list`` show)."""

    id: int
    kind: str
    name: str
    company: str | None
    email: str | None
    phone: str | None
    roles: list[str]
    tags: list[str]
    city: str | None
    country: str | None
    updated_at: datetime
    address: str | None = None
    notes: str | None = None


@dataclass
class ContactDetail:
    contact: Contact
    company: Contact | None
    people: list[Contact]
    tags: list[str]
    activities: list[Activity]
    references: dict[str, int]  # other records pointing at this contact, by table


@dataclass
class Page:
    rows: list
    total: int
    offset: int
    limit: int
