"""Users, the audit log and the integrity check: the owner's tools."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from bizsuite.core import clock
from bizsuite.core.auth import ROLES
from bizsuite.core.errors import NotFound, Refused
from bizsuite.core.models import AuditEntry, User

_LOGIN = re.compile(r"^[a-z_][a-z0-9_.-]{0,63}\$?$", re.IGNORECASE)


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str = ""


class AdminRepository:
    def __init__(self, books):
        self.books = books
        self.session = books.session

    # -- users --------------------------------------------------------------------------------
    def users(self, *, include_inactive: bool = False) -> list[User]:
        stmt = select(User).order_by(User.name)
        if not include_inactive:
            stmt = stmt.where(User.active.is_(True))
        return list(self.session.scalars(stmt))

    def _user(self, name: str) -> User:
        u = self.session.scalar(select(User).where(User.name == name))
        if u is None or not u.active:
            raise NotFound(f"no bizsuite user {name!r}")
        return u

    def add_user(self, name: str, role: str) -> User:
        self.books.require("admin")
        if role not in ROLES:
            raise Refused(f"role: {role!r} is not one of: {', '.join(ROLES)}")
        if not _LOGIN.match(name):
            raise Refused(f"name: {name!r} is not an OS login name")
        u = self.session.scalar(select(User).where(User.name == name))
        if u is not None and u.active:
            raise Refused(f"{name} is already a user ({u.role})")
        if u is not None:
            u.active, u.role = True, role
        else:
            u = User(name=name, role=role, created_at=clock.now(), created_by=self.books.actor.name)
            self.session.add(u)
        self.session.flush()
        return u

    def _owners_left_without(self, name: str) -> int:
        return self.session.scalar(
            select(func.count()).select_from(User).where(
                User.role == "owner", User.active.is_(True), User.name != name
            )
        )

    def remove_user(self, name: str) -> None:
        """Users are deactivated, not deleted, so the audit log keeps making sense."""
        self.books.require("admin")
        u = self._user(name)
        if u.role == "owner" and not self._owners_left_without(name):
            raise Refused(f"{name} is the last owner; make someone else owner first")
        u.active = False
        self.session.flush()

    def set_role(self, name: str, role: str) -> User:
        self.books.require("admin")
        if role not in ROLES:
            raise Refused(f"role: {role!r} is not one of: {', '.join(ROLES)}")
        u = self._user(name)
        if u.role == "owner" and role != "owner" and not self._owners_left_without(name):
            raise Refused(f"{name} is the last owner; make someone else owner first")
        u.role = role
        self.session.flush()
        return u

    # -- audit --------------------------------------------------------------------------------
    def audit(self, *, entity: str | None = None, entity_id: str | None = None, user: str | None = None,
              since: datetime | None = None, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
        self.books.require("audit.read")
        stmt = select(AuditEntry)
        if entity:
            stmt = stmt.where(AuditEntry.entity == entity)
        if entity_id:
            wanted = str(entity_id)
            match = AuditEntry.entity_id == wanted
            if entity and wanted.isdigit():
                # and the bulk loads whose id range holds it (one row per load: few to look at)
                from bizsuite.core.audit import covers

                loads = self.session.execute(
                    select(AuditEntry.id, AuditEntry.entity_id)
                    .where(AuditEntry.entity == entity, AuditEntry.action == "insert",
                           AuditEntry.entity_id.like("%-%"))
                ).all()
                hits = [i for i, eid in loads if covers(eid, wanted)]
                if hits:
                    match = match | AuditEntry.id.in_(hits)
            stmt = stmt.where(match)
        if user:
            stmt = stmt.where((AuditEntry.actor == user) | (AuditEntry.via == user))
        if since:
            stmt = stmt.where(AuditEntry.at >= since)
        stmt = stmt.order_by(AuditEntry.id.desc()).offset(offset).limit(limit)
        return list(self.session.scalars(stmt))

    @staticmethod
    def describe(entry: AuditEntry) -> str:
        changes = json.loads(entry.changes)
        parts = []
        for k, (old, new) in sorted(changes.items()):
            if entry.action == "insert":
                parts.append(f"{k}={new}")
            elif entry.action == "delete":
                parts.append(f"{k}={old}")
            else:
                parts.append(f"{k}: {old} → {new}")
        return ", ".join(parts)

    # -- integrity ----------------------------------------------------------------------------
    def _users_changed_behind_our_back(self) -> list[str]:
        """Users whose role or active flag is not what the audit log says it was last set to
        (an ``UPDATE users …`` with another tool), or who were never recorded at all."""
        last: dict[str, dict] = {}
        rows = self.session.execute(
            select(AuditEntry.entity_id, AuditEntry.action, AuditEntry.changes)
            .where(AuditEntry.entity == User.__tablename__).order_by(AuditEntry.id)).all()
        for uid, action, changes in rows:
            try:
                fields = json.loads(changes)
            except ValueError:
                continue
            state = last.setdefault(uid, {})
            if action == "delete":
                state["deleted"] = True
            for k in ("role", "active"):
                if k in fields and isinstance(fields[k], list) and len(fields[k]) == 2:
                    state[k] = fields[k][1]
        out = []
        for u in self.session.scalars(select(User).order_by(User.name)):
            state = last.get(str(u.id))
            if state is None:
                out.append(f"user {u.name} ({u.role}) is not in the audit log: added behind bizsuite's back")
                continue
            if state.get("role") != u.role:
                out.append(f"user {u.name} is {u.role}, but the audit log last set {state.get('role')}: "
                           "changed behind bizsuite's back")
            if bool(state.get("active", True)) != bool(u.active):
                now = "active" if u.active else "inactive"
                out.append(f"user {u.name} is {now}, but the audit log says otherwise: changed behind bizsuite's back")
        return out

    def check(self) -> list[CheckResult]:
        """Database integrity plus every invariant the modules define."""
        s = self.session
        out: list[CheckResult] = []
        dialect = self.books.dialect
        if dialect == "sqlite":
            try:
                rows = [r[0] for r in s.execute(text("PRAGMA integrity_check")).all()]
            except DatabaseError as exc:
                rows = [str(getattr(exc, "orig", exc)).splitlines()[0]]
                out.append(CheckResult("database integrity", False, "; ".join(rows)))
                return out  # nothing else can be trusted on damaged pages
            out.append(CheckResult("database integrity", rows == ["ok"], "; ".join(rows[:5]) if rows != ["ok"] else ""))
            fk = s.execute(text("PRAGMA foreign_key_check")).all()
            out.append(CheckResult("foreign keys", not fk, f"{len(fk)} rows point at nothing" if fk else ""))
        else:
            s.execute(text("SELECT 1"))
            out.append(CheckResult("database reachable", True))
        owners = s.scalar(select(func.count()).select_from(User).where(User.role == "owner", User.active.is_(True)))
        out.append(CheckResult("at least one owner", owners > 0, "" if owners else "no active owner"))
        bad_roles = s.scalars(select(User.name).where(User.role.not_in(list(ROLES)))).all()
        out.append(CheckResult("user roles known", not bad_roles, ", ".join(bad_roles)))
        from bizsuite.core.audit import CHAIN

        broken = CHAIN.verify(s.connection())
        out.append(CheckResult("audit log matches its seals", broken is None, broken or ""))
        behind = self._users_changed_behind_our_back()
        out.append(CheckResult("users are as the audit log last set them", not behind, "; ".join(behind)))
        from bizsuite.core import modules
        from bizsuite.migrations import current_revisions, newest

        at, wanted = current_revisions(s.connection()), newest()
        out.append(CheckResult("schema up to date", at == wanted,
                               "" if at == wanted else f"at {', '.join(sorted(at))}; newest: {', '.join(sorted(wanted))}"))
        for m in modules.installed():
            for target in m.checks:
                try:
                    with s.begin_nested():  # a check that fails leaves the others to run
                        out.extend(modules.load(target)(self.books))
                except Exception as exc:  # noqa: BLE001 - reported as a failed check, not raised
                    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
                    out.append(CheckResult(f"{m.title} checks ran", False, reason))
        return out
