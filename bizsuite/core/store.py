"""The store: one engine per set of books, and ``transaction()`` as the one way to touch data."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator, Mapping

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import event, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from bizsuite.core import audit as _audit  # noqa: F401  (registers the audit listener)
from bizsuite.core import clock, locks, modules
from bizsuite.core.auth import Actor
from bizsuite.core.db import Location, make_engine, sqlite_access, sqlite_file_state, write_options
from bizsuite.core.errors import BooksError, Conflict, FieldError, PermissionDenied, StaleRecord, ValidationFailed
from bizsuite.core.models import Setting, User
from bizsuite.core.money import MONEY_SCALE, currency_decimals, set_money_scale
from bizsuite.core.parsing import BadText, clean_text

if TYPE_CHECKING:
    from bizsuite.core.admin import AdminRepository

APP_MARKER = "bizsuite"
DECIMALS_SETTING = "company.currency_decimals"


class Books:
    """One unit of work: a session, the acting user, and every module's repository."""

    def __init__(self, session: Session, actor: Actor, store: "Store"):
        self.session = session
        self.actor = actor
        self.store = store
        self._repos: dict[str, object] = {}

    def require(self, permission: str) -> None:
        self.actor.require(permission)

    def hold(self, name: str, *, shared: bool = False) -> None:
        """Hold the book-wide lock ``name`` until this unit of work ends (core/locks.py)."""
        locks.hold(self.session, name, shared=shared)

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    # -- settings -----------------------------------------------------------------------------
    # The ledger asks for its role accounts on every posting: a SELECT (and an autoflush) each
    # time, as the session's identity map holds its rows only weakly. So what each key holds (or
    # that it is missing) is remembered for the unit of work (``session.info``). It stays right
    # whatever path writes: set_setting, a Setting added to the session, its value assigned, or
    # deleted (the listeners below); a commit or any rollback forgets it all. Raw SQL on the
    # settings table is not seen: a key written that way (ledger/bounds.py's turnover, kept under
    # SELECT … FOR UPDATE) is read that way too, never through here.
    def setting(self, key: str, default: str | None = None) -> str | None:
        known = _known_settings(self.session)
        if key in known and not any(isinstance(o, Setting) for o in self.session.deleted):
            value = known[key]
        else:
            row = self.session.get(Setting, key)
            value = known[key] = row.value if row is not None else None
        return default if value is None else value

    def set_setting(self, key: str, value: str) -> None:
        known = _known_settings(self.session)
        row = None if key in known and known[key] is None else self.session.get(Setting, key)
        if row is None:
            self.session.add(Setting(key=key, value=value))
        else:
            row.value = value
        known[key] = value

    @property
    def company(self) -> str:
        return self.setting("company.name", "") or ""

    @property
    def currency(self) -> str:
        return self.setting("company.currency", "USD") or "USD"

    # -- module repositories -------------------------------------------------------------------
    # ``books.contacts``, ``books.ledger``, … come from the installed modules' declarations
    # (bizsuite.core.modules), built on first use and kept for this unit of work. Plain lookups
    # with a per-instance cache, not functools.cached_property: on Python 3.11 that holds one
    # lock for all instances, so one thread waiting on the database inside it would stall every
    # other thread's Books.
    @property
    def admin(self) -> "AdminRepository":
        repo = self._repos.get("admin")
        if repo is None:
            from bizsuite.core.admin import AdminRepository

            repo = self._repos["admin"] = AdminRepository(self)
        return repo

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        repo = self._repos.get(name)
        if repo is not None:
            return repo
        module = modules.find(name)
        if module is None or module.repository is None:
            names = ", ".join(m.name for m in modules.installed() if m.repository)
            raise AttributeError(f"books.{name}: no installed module {name!r} has a repository (installed: {names})")
        modules.load_models_for(module)
        repo = self._repos[name] = modules.load(module.repository)(self)
        return repo

    def has(self, name: str) -> bool:
        """Is module ``name`` installed (so ``books.<name>`` exists)?"""
        m = modules.find(name)
        return m is not None and m.repository is not None


_KNOWN_KEY = "settings.known"


def _known_settings(session: Session) -> dict[str, str | None]:
    return session.info.setdefault(_KNOWN_KEY, {})


def _forget_setting(session: Session | None, instance) -> None:
    if session is not None and isinstance(instance, Setting):
        session.info.get(_KNOWN_KEY, {}).pop(instance.key, None)


@event.listens_for(Session, "transient_to_pending")
def _setting_added(session: Session, instance) -> None:
    _forget_setting(session, instance)


@event.listens_for(Session, "persistent_to_deleted")
def _setting_deleted(session: Session, instance) -> None:
    _forget_setting(session, instance)


@event.listens_for(Setting.value, "set")
def _setting_assigned(target, value, oldvalue, initiator) -> None:
    _forget_setting(object_session(target), target)


@event.listens_for(Session, "after_soft_rollback")
def _settings_rolled_back(session: Session, previous_transaction) -> None:
    session.info.pop(_KNOWN_KEY, None)


@event.listens_for(Session, "after_commit")
def _settings_committed(session: Session) -> None:
    session.info.pop(_KNOWN_KEY, None)  # others may write once this transaction is over


class Store:
    """An open set of books. Create one per process with :meth:`open` (or :meth:`create`)."""

    def __init__(self, location: Location):
        self.location = location
        # Books in a read-only file or folder open read-only: reading commands work, a write
        # is refused with one line (Store.transaction), and nothing is made beside the file.
        self.access = sqlite_access(location.path) if location.is_sqlite else "rw"
        self.engine = make_engine(location.url, access=self.access)
        self._writer = write_options(self.engine)

    @property
    def read_only(self) -> bool:
        return self.access != "rw"

    def _refuse_writes(self) -> None:
        if self.read_only:
            raise BooksError(f"{self.location.display()}: read-only (the file or its folder cannot be "
                             "written by you); only commands that read work")

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, location: Location, *, migrate: bool = True) -> "Store":
        """Open existing books; refuse clearly when they are missing or not bizsuite's."""
        cls._check_file(location, must_exist=True)
        store = cls(location)
        state = store.state()
        if state == "empty":
            store.close()
            raise BooksError(
                f"{location.display()}: no books here yet; create them with `bizsuite init`"
            )
        if state == "foreign":
            store.close()
            raise BooksError(f"{location.display()}: not a bizsuite database")
        if migrate:
            store.migrate()
        store._load_money_scale()
        return store

    @classmethod
    def open_or_create_empty(cls, location: Location) -> "Store":
        """Open books for ``init``/``demo``: the file may be missing; refuse foreign files."""
        missing = location.path is not None and sqlite_file_state(location.path) == "missing"
        cls._check_file(location, must_exist=False)
        store = cls(location)
        if not missing and store.state() == "foreign":
            store.close()
            raise BooksError(f"{location.display()}: not a bizsuite database")
        return store

    @staticmethod
    def _check_file(location: Location, *, must_exist: bool) -> None:
        path = location.path
        if path is None:
            return
        state = sqlite_file_state(path)
        if state == "foreign":
            raise BooksError(f"{path}: not a bizsuite database (not an SQLite file)")
        if state == "missing":
            if must_exist:
                raise BooksError(f"{path}: no books here; create them with `bizsuite init`")
            if not path.parent.exists():
                path.parent.mkdir(parents=True, exist_ok=True)

    def state(self) -> str:
        """'empty' (no tables, or our schema with no books in it), 'bizsuite', or 'foreign'
        (tables, but not ours)."""
        try:
            with self.engine.connect() as conn:
                names = set(sa_inspect(conn).get_table_names())
                if not names:
                    return "empty"
                if "settings" not in names or "alembic_version" not in names:
                    return "foreign"
                marker = conn.execute(
                    text("SELECT value FROM settings WHERE key = 'app'")
                ).scalar()
                if marker == APP_MARKER:
                    return "bizsuite"
                if "users" in names and not conn.execute(text(
                        "SELECT EXISTS (SELECT 1 FROM settings) OR EXISTS (SELECT 1 FROM users)")).scalar():
                    return "empty"  # our schema and nothing in it: creating the books failed after it was made
                return "foreign"
        except DatabaseError as exc:
            raise BooksError(f"{self.location.display()}: cannot be read: {_reason(exc)}") from None

    def migrate(self) -> None:
        from bizsuite.migrations import current_revisions, newest, refuse_unknown, upgrade_if_needed

        if self.read_only:  # books that need an upgrade cannot be upgraded by this user
            with self.engine.connect() as conn:
                at = current_revisions(conn)
            refuse_unknown(at, self.location.display())
            if at != newest():
                self._refuse_writes()
            return
        try:
            upgrade_if_needed(self.engine, where=self.location.display())
        except OperationalError as exc:
            raise BooksError(f"{self.location.display()}: cannot upgrade: {_reason(exc)}") from None

    def initialise(self, *, company: str, currency: str, owner: str,
                   answers: Mapping[str, str | None] | None = None) -> bool:
        """Create the schema and the owner. Returns False when the books already existed.

        ``answers`` are the installed modules' (``{"region": "GB", "chart": "standard"}``, see
        :class:`~bizsuite.core.modules.CreatePart`; None = not given). Every answer is checked —
        the core's and every module's, refused together in one :class:`ValidationFailed` —
        before anything is written; then the books, the owner and each module's part are
        written in one unit of work: all of it lands, or none of it.
        """
        currency = currency.strip().upper()
        given = {k: v for k, v in (answers or {}).items() if v is not None}
        errors = []
        try:
            company = clean_text(company, "company", limit=200) or ""
        except BadText as exc:
            errors.append(FieldError("company", exc.problems[0].split(": ", 1)[1]))
            company = ""
        else:
            if not company:
                errors.append(FieldError("company", "is required"))
        try:
            decimals = currency_decimals(currency)
        except ValueError:
            errors.append(FieldError("currency", f"{currency!r} is not an ISO 4217 code such as USD, EUR, CNY"))
        known = modules.creation_answers()
        errors += [FieldError(k, "no installed module takes it") for k in given if k not in known]
        creation = modules.Creation(company, currency, given)
        parts = [modules.load(m.create.target) for m in modules.installed() if m.create]
        for part in parts:
            errors += part.check(creation)
        if errors:
            raise ValidationFailed(errors)
        if self.state() == "bizsuite":
            self.migrate()
            self._load_money_scale()
            return False
        self.migrate()
        set_money_scale(self.engine, decimals)
        system = Actor(name=owner, role="owner")
        with self.transaction(system) as books:
            books.set_setting("app", APP_MARKER)
            books.set_setting("company.name", company)
            books.set_setting("company.currency", currency)
            books.set_setting(DECIMALS_SETTING, str(decimals))
            books.session.add(
                User(name=owner, role="owner", created_at=clock.now(), created_by=owner)
            )
            books.session.flush()
            for part in parts:
                part.write(books, creation)
        return True

    def _load_money_scale(self) -> None:
        """Amounts are in the minor unit of the books' currency (books older than the setting: 2)."""
        with self.engine.connect() as conn:
            value = conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": DECIMALS_SETTING}).scalar()
        set_money_scale(self.engine, int(value) if value else MONEY_SCALE)

    def close(self) -> None:
        self.engine.dispose()

    # -- who ----------------------------------------------------------------------------------
    def actor_for(self, login: str, as_name: str | None = None) -> Actor:
        """The bizsuite user behind an OS login, or the user the owner acts as."""
        with Session(self.engine) as session:
            user = session.scalar(select(User).where(User.name == login))
            if user is None or not user.active:
                owners = session.scalars(
                    select(User.name).where(User.role == "owner", User.active.is_(True))
                ).all()
                who = ", ".join(owners) or "the owner"
                raise PermissionDenied(
                    f"{login} is not a bizsuite user of these books; "
                    f"{who} can add you with: bizsuite users add {login} --role ROLE"
                )
            if as_name is None or as_name == login:
                return Actor(name=user.name, role=user.role)
            if user.role != "owner":
                raise PermissionDenied(f"only the owner may act as another user (--as); {login} is {user.role}")
            other = session.scalar(select(User).where(User.name == as_name))
            if other is None or not other.active:
                raise PermissionDenied(f"--as {as_name}: no such bizsuite user")
            return Actor(name=other.name, role=other.role, via=user.name)

    # -- units of work ------------------------------------------------------------------------
    @contextmanager
    def transaction(self, actor: Actor, *, write: bool = True) -> Iterator[Books]:
        """One unit of work: all of it commits, or on any exception none of it does."""
        if write:
            self._refuse_writes()
        bind = self._writer if write else self.engine
        with Session(bind, expire_on_commit=False, autoflush=True) as session:
            session.info["actor"] = actor
            session.info["writes"] = write
            books = Books(session, actor, self)
            try:
                yield books
                if write:
                    session.commit()
                # a read-only unit simply closes: objects stay readable, nothing is written
            except StaleDataError:  # a versioned row changed between our read and our write
                session.rollback()
                raise StaleRecord("the record was changed by someone else while this was being saved; "
                                  "nothing was saved — reload it and make your change again") from None
            except IntegrityError as exc:
                # The schema's own guarantees (core/locks.py): a unique constraint that a writer at
                # the same moment got to first, or a trigger guarding posted history.
                session.rollback()
                reason = _reason(exc)
                if "unique" in reason.lower() or "duplicate key" in reason.lower():
                    raise Conflict(f"nothing was saved: someone else saved the same record at the same time "
                                   f"({reason}); run it again to see the books as they are now") from None
                raise Conflict(f"nothing was saved: the database refused it ({reason})") from None
            except BaseException:
                session.rollback()
                raise
            finally:
                locks.forget(session)

    def read(self, actor: Actor):
        """A read-only unit of work (never takes the write lock)."""
        return self.transaction(actor, write=False)


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0]
