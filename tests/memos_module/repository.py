"""The memos module's whole API: a repository, its check, its home figure and its searcher."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from bizsuite.core.admin import CheckResult
from bizsuite.core.errors import Refused
from bizsuite.core.modules import SearchHit
from memos_module.models import memos


class MemosRepository:
    def __init__(self, books):
        self.books = books
        self.session = books.session

    def add(self, text: str, contact_id: int | None = None) -> int:
        self.books.require("memos.write")
        if not text.strip():
            raise Refused("text: is required")
        if contact_id is not None:
            self.books.contacts.get(contact_id)  # another module's repository, same unit of work
        return self.session.execute(insert(memos).values(text=text.strip(), contact_id=contact_id)).inserted_primary_key[0]

    def all(self, *, contact_id: int | None = None) -> list[tuple[int, str]]:
        self.books.require("memos.read")
        stmt = select(memos.c.id, memos.c.text).order_by(memos.c.id)
        if contact_id is not None:
            stmt = stmt.where(memos.c.contact_id == contact_id)
        return [tuple(r) for r in self.session.execute(stmt)]

    def count(self) -> int:
        self.books.require("memos.read")
        return self.session.scalar(select(func.count()).select_from(memos))


def memo_checks(books) -> list[CheckResult]:
    empty = books.session.scalar(select(func.count()).select_from(memos).where(func.trim(memos.c.text) == ""))
    return [CheckResult("memos have text", not empty, f"{empty} memos are empty" if empty else "")]


def home_summary(books) -> str:
    return f"{books.memos.count()} memos"


def search(books, query: str, limit: int = 10) -> list[SearchHit]:
    return [SearchHit("memo", i, f"M{i}", text, "memo", 0.9)
            for i, text in books.memos.all() if query.casefold() in text.casefold()][:limit]
