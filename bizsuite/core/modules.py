"""Modules declare themselves once; the core finds them here.

A module (contacts, the ledger, tickets, stock, …) is a package under ``bizsuite/crm`` or
``bizsuite/erp`` whose ``__init__.py`` holds one :class:`Module`: its name, its repository, its
models, the permissions it uses and which roles have them, its ``check`` invariants, its demo
part, its CLI sub-app, its screens, its home-screen summary, its searcher (the command palette
and ``bizsuite search``), the panels it adds to a contact's page, its migrations and the modules
it depends on. Everything is an **import string** (``"package.module:attribute"``), resolved
only when it is used, so ``bizsuite --help`` imports no ORM and a command loads only the modules
it touches — the declaration itself costs nothing to import.

Which modules are installed is one list above the core (``bizsuite/modules.py``, read by name the
first time it is asked for, as Django reads ``INSTALLED_APPS``). ``Books``, ``check``, ``demo``,
the CLI root, the home screen, the palette and the contact page loop over :func:`installed`;
the core itself imports no module. Tests install other lists with :func:`use` (tests only).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

INSTALLED_LIST = "bizsuite.modules"  # the module holding ``INSTALLED``: the packages that declare a Module
ALL_ROLES = ("owner", "accountant", "hr", "sales", "support", "warehouse", "viewer")  # = auth.ROLES (a test)


def load(target: str) -> Any:
    """``"package.module:attr"`` → the attribute; ``"package.module"`` → the module."""
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class DemoPart:
    """A module's part of ``bizsuite demo``: ``fn(books, rng, size, *, base, seed, progress)``
    returning what it made (``{"contacts": 200}``); ``weight`` is its share of the progress bar.

    ``daily`` (optional, ``"pkg.mod:fn"``) takes the part onto the demo's timeline: ``target`` is
    then called with one more keyword, ``state`` (a dict the part keeps for itself), to set up
    (products, suppliers' prices…), and after every part's setup ``bizsuite/demo.py`` walks the
    demo's year day by day (:data:`bizsuite.demo.DAYS`, oldest first, ending on "today") calling
    ``fn(books, rng, day, state) -> dict[str, int]`` of each part that has one, in module order,
    with the same ``rng`` and ``state`` as its setup. So the documents of several modules are
    made in date order, each seeing what the others did the days before. Parts without ``daily``
    do all their work in ``target``, as before."""

    target: str
    weight: int = 1
    daily: str | None = None


@dataclass(frozen=True)
class CreatePart:
    """A module's part of creating the books (``bizsuite init``, the first-run form).

    ``target`` is a module (``"bizsuite.erp.ledger.setup"``) holding two functions:
    ``check(creation) -> list[FieldError]``, called for every installed module before anything
    is written (all their errors are refused together, each under its field), and
    ``write(books, creation)``, called inside the unit of work that creates the books (so the
    books, the owner and every module's part land together or not at all). ``answers`` names
    the answers the module takes beyond the company and its currency, each with what
    ``bizsuite init`` answers when its option is not given (None: nothing)."""

    target: str
    answers: dict[str, str | None] = field(default_factory=dict)  # {"chart": "standard"}


@dataclass(frozen=True)
class Creation:
    """The answers that create books: the core's own (the company's name and its currency,
    cleaned) and the modules' by name (``{"region": "gb", "chart": "standard"}``, as typed)."""

    company: str
    currency: str
    answers: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        """An answer as typed, stripped; None when it was not given (or left blank)."""
        value = self.answers.get(name)
        return value.strip() if value is not None and value.strip() else None


@dataclass(frozen=True)
class AccountRole:
    """An account role a module posts to beyond the ledger's own (``stock_adjustment``…): what it
    is for, and the account the ledger makes for it the first time it is needed in books whose
    chart has none for it (books made before the module was installed). A shipped chart may name
    its own account for the role (its ``role`` column), which is used instead."""

    description: str
    name: str  # the full name of the account made for it: "expenses:inventory adjustments"
    type: str  # asset, liability, equity, income, expense


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one declaration, one module
class Module:
    """One module's declaration. Only ``name`` and ``title`` are required; a module without a
    screen has no home-screen line, one without ``cli`` no sub-command, and so on."""

    name: str  # "contacts": ``books.contacts``, ``bizsuite contacts …``, the app mode's name
    title: str  # "Contacts"
    description: str = ""  # one line, for the home screen, the palette and ``bizsuite --help``
    depends: tuple[str, ...] = ()  # modules this one needs (their tables, their repositories)

    # the domain
    repository: str | None = None  # "…repository:ContactsRepository", built with (books)
    models: tuple[str, ...] = ()  # modules that define its tables
    permissions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # permission → roles that have it
    posts: dict[str, str] = field(default_factory=dict)  # ledger source kinds it posts → permission needed
    accounts: dict[str, AccountRole] = field(default_factory=dict)  # account roles it adds (ledger set-account)
    # account roles only its documents (and those of modules that depend on it) may post to, once
    # it is in use: role → "…:fn", (books) -> bool, "these books use it" (stock: any move made).
    # The inventory account of perpetual stock is the valuation, so a manual entry there would
    # make them disagree; books that keep no stock post their periodic cost entries by hand.
    keeps: dict[str, str] = field(default_factory=dict)
    hooks: dict[str, str] = field(default_factory=dict)  # what it offers other modules: hook name → "…:fn"
    checks: tuple[str, ...] = ()  # "…checks:contact_checks": (books) -> list[CheckResult] each
    demo: DemoPart | None = None
    create: CreatePart | None = None  # its part of creating the books (its settings, a chart)
    setup_tables: tuple[str, ...] = ()  # tables whose rows are set-up, not business data (a chart)
    migrations: str | None = None  # a package whose folder holds the module's Alembic revisions
    dialect_only: tuple[str, ...] = ()  # hand-made objects on one database only (autogenerate skips them)
    summary: str | None = None  # "…:home_summary": (books) -> str, a figure for the home screen
    search: str | None = None  # "…:search": (books, query, limit) -> list[SearchHit]

    # the edges (never imported by the core: resolved by the CLI and the app)
    cli: str | None = None  # "bizsuite.cli.contacts:app" (a Typer app)
    cli_name: str | None = None  # its sub-command's word when not its name (purchasing: ``bizsuite purchase``)
    cli_help: str = ""  # one line for ``bizsuite --help`` (default: the description)
    screen: str | None = None  # "bizsuite.screens.contacts:ContactsScreen": the module's first screen
    key: str | None = None  # the key that opens it from the home screen
    open_permission: str | None = None  # what a role needs to open it (default: "<name>.read")
    records: dict[str, str] = field(default_factory=dict)  # hit kind → "…:open_x" (app, id) -> None
    palette: str | None = None  # "…:palette_sections": (app) -> [(text, callback, help)]
    contact_panels: tuple[str, ...] = ()  # widgets for a contact's page: cls(contact_id)

    @property
    def command(self) -> str:
        """The word of its sub-command: ``bizsuite <command> …``."""
        return self.cli_name or self.name

    @property
    def read_permission(self) -> str:
        return self.open_permission or f"{self.name}.read"

    def allowed(self, actor) -> bool:
        return actor.can(self.read_permission)

    def migrations_dir(self) -> Path | None:
        if not self.migrations:
            return None
        spec = importlib.util.find_spec(self.migrations)
        if spec is None or not spec.submodule_search_locations:
            raise LookupError(f"module {self.name}: migrations package {self.migrations} not found")
        return Path(list(spec.submodule_search_locations)[0])


@dataclass(frozen=True)
class SearchHit:
    """One record found by a module's searcher (the palette, ``bizsuite search``)."""

    kind: str  # "contact", "ticket", "account" … (a key of the module's ``records``)
    id: int
    number: str  # what people call it: "#12" (a ticket, a contact), "INV-00003", an account's code
    title: str
    detail: str = ""
    score: float = 0.5  # 0..1: 1 for an exact number match
    label: str | None = None  # what the palette puts before it (default: the kind, "Ticket"); "" for none


# -- the installed list -----------------------------------------------------------------------

_installed: tuple[Module, ...] | None = None


def _declared(package: str) -> Module:
    mod = importlib.import_module(package)
    declared = getattr(mod, "MODULE", None)
    if not isinstance(declared, Module):
        raise LookupError(f"{package} declares no MODULE = Module(...)")
    return declared


_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
# Keys the app and the home screen keep for themselves (help, palette, quit, the module list).
APP_KEYS = frozenset({"question_mark", "f1", "ctrl+p", "ctrl+q", "ctrl+c", "escape", "enter", "tab",
                      "shift+tab", "up", "down", "left", "right", "space"})


def resolve(packages: Sequence[str | Module]) -> tuple[Module, ...]:
    """Declarations in dependency order (a module after those it depends on, else list order).
    Refuses, at once and in one line, a list that could only fail later: a module that depends
    on one that is not installed, names or keys or permissions or record kinds or ledger source
    kinds or creation answers declared twice, a screen whose read permission nobody declares."""
    from bizsuite.core.auth import CORE_PERMISSIONS, ROLES

    mods = [p if isinstance(p, Module) else _declared(p) for p in packages]
    by_name: dict[str, Module] = {}
    keys: dict[str, str] = {}
    permissions: dict[str, str] = {p: "the core" for p in CORE_PERMISSIONS}
    kinds: dict[str, str] = {}
    posts: dict[str, str] = {}
    account_roles_: dict[str, str] = {}
    answers: dict[str, str] = {"company": "the core", "currency": "the core"}
    commands: dict[str, str] = {}
    for m in mods:
        if not _NAME.match(m.name) or m.name in RESERVED:
            raise LookupError(f"module name {m.name!r} is reserved or not a lower-case identifier")
        if m.name in by_name:
            raise LookupError(f"module name {m.name!r} is used twice")
        by_name[m.name] = m
        if m.cli:
            if not _NAME.match(m.command) or m.command in RESERVED or m.command in commands:
                raise LookupError(f"module {m.name}: the command {m.command!r} is reserved or already "
                                  f"{commands.get(m.command, 'the core')}'s")
            commands[m.command] = m.name
        if m.key:
            if m.key in APP_KEYS or m.key in keys:
                raise LookupError(f"module {m.name}: home-screen key {m.key!r} is already "
                                  f"{keys.get(m.key, 'the app')}'s")
            keys[m.key] = m.name
        for perm, roles in m.permissions.items():
            if perm in permissions:
                raise LookupError(f"module {m.name}: permission {perm!r} is already {permissions[perm]}'s")
            unknown = set(roles) - set(ROLES)
            if unknown:
                raise LookupError(f"module {m.name}: {perm} names unknown roles {sorted(unknown)}")
            permissions[perm] = m.name
        for kind in m.records:
            if kind in kinds:
                raise LookupError(f"module {m.name}: records of kind {kind!r} are already {kinds[kind]}'s")
            kinds[kind] = m.name
        for kind in m.posts:
            if kind in posts:
                raise LookupError(f"module {m.name}: ledger entries of kind {kind!r} are already {posts[kind]}'s")
            posts[kind] = m.name
        for role in m.accounts:
            if role in account_roles_:
                raise LookupError(f"module {m.name}: the account role {role!r} is already "
                                  f"{account_roles_[role]}'s")
            account_roles_[role] = m.name
        for answer in (m.create.answers if m.create else ()):
            if answer in answers:
                raise LookupError(f"module {m.name}: the creation answer {answer!r} is already {answers[answer]}'s")
            answers[answer] = m.name
    for m in mods:
        needed = [m.read_permission] if (m.screen or m.search or m.contact_panels) else []
        needed += list(m.posts.values())
        missing = [p for p in needed if p not in permissions]
        if missing:
            raise LookupError(f"module {m.name}: permission {missing[0]!r} is declared by no module")
    ordered: list[Module] = []
    visiting: set[str] = set()

    def visit(m: Module) -> None:
        if m in ordered:
            return
        if m.name in visiting:
            raise LookupError(f"modules depend on each other in a circle: {m.name}")
        visiting.add(m.name)
        for dep in m.depends:
            if dep not in by_name:
                raise LookupError(f"module {m.name} needs module {dep}, which is not installed")
            visit(by_name[dep])
        visiting.discard(m.name)
        ordered.append(m)

    for m in mods:
        visit(m)
    return tuple(ordered)


def installed() -> tuple[Module, ...]:
    """The installed modules, in dependency order."""
    global _installed
    if _installed is None:
        _installed = resolve(importlib.import_module(INSTALLED_LIST).INSTALLED)
    return _installed


def creation_answers() -> dict[str, tuple[str, str | None]]:
    """What the installed modules ask when books are created: answer → (module, default)."""
    return {answer: (m.name, default) for m in installed() if m.create
            for answer, default in m.create.answers.items()}


def account_roles() -> dict[str, AccountRole]:
    """The account roles the installed modules add to the ledger's own, by role."""
    return {role: need for m in installed() for role, need in m.accounts.items()}


def kept_roles() -> dict[str, tuple[str, frozenset[str], str]]:
    """Account roles a module keeps (``Module.keeps``): role → (the module, the ledger source
    kinds that may post to it — the module's own and those of every module that depends on it —
    and its "in use" function)."""
    mods = installed()
    needs: dict[str, set[str]] = {}
    for m in mods:  # dependency order: what a module depends on is known before it
        needs[m.name] = set(m.depends).union(*(needs.get(d, set()) for d in m.depends))
    out: dict[str, tuple[str, frozenset[str], str]] = {}
    for keeper in mods:
        kinds = frozenset(k for m in mods if m is keeper or keeper.name in needs[m.name] for k in m.posts)
        for role, in_use in keeper.keeps.items():
            out[role] = (keeper.name, kinds, in_use)
    return out


def hooks(name: str) -> list:
    """What the installed modules offer under a hook's name, loaded, in module order: how one
    module asks others for what only they know without importing them (stock asks "what is on
    order" of whichever module keeps purchase orders: ``hooks("stock.on_order")``)."""
    return [load(m.hooks[name]) for m in installed() if name in m.hooks]


def find(name: str) -> Module | None:
    for m in installed():
        if m.name == name:
            return m
    return None


_uses: list[tuple[int, object]] = []  # the open ``use`` blocks: (thread, the block's token), innermost last


@contextmanager
def use(packages: Sequence[str | Module]) -> Iterator[tuple[Module, ...]]:
    """**Tests only**: install another list for the duration of the block.

    It swaps one process-wide list (every thread, every open app sees it), so it is no way to
    run two sets of modules side by side. Blocks nest, innermost first, within one thread; a
    block opened from another thread while one is open is refused, and a block whose list was
    swapped under it (blocks left out of order) warns when it ends."""
    global _installed
    me = threading.get_ident()
    if _uses and _uses[-1][0] != me:
        raise RuntimeError("modules.use() is for tests and swaps one list for the whole process: another "
                           "thread holds a use() block, so this one is refused (nest them in one thread)")
    previous = _installed
    _installed = resolve(packages)
    mine, token = _installed, object()
    _uses.append((me, token))
    _changed()
    try:
        yield _installed
    finally:
        stack = [t for _, t in _uses]
        if not any(t is token for t in stack):
            warnings.warn("modules.use(): this block ended after the block around it, which has already put "
                          "its list back; leaving the list as that block left it", RuntimeWarning, stacklevel=3)
        else:
            if stack[-1] is not token or _installed is not mine:
                warnings.warn("modules.use(): the installed list was swapped inside this block and not put "
                              "back (blocks left out of order); restoring the list from before this block",
                              RuntimeWarning, stacklevel=3)
            del _uses[next(i for i, t in enumerate(stack) if t is token):]
            _installed = previous
            _changed()


_listeners: list = []


def on_change(callback) -> None:
    """Caches built from the installed list (the role matrix, the migration heads) register here."""
    _listeners.append(callback)


def _changed() -> None:
    for cb in _listeners:
        cb()


# Names that are not modules: what ``Books`` has itself (``books.admin``, ``books.company``…), the
# core's commands (``bizsuite users``…) and the app's home mode. A test keeps it complete.
RESERVED = frozenset({"admin", "home", "users", "audit", "init", "demo", "backup", "restore", "check",
                      "search", "session", "actor", "store", "setting", "set_setting", "dialect",
                      "company", "currency", "require", "has", "hold"})


CORE_TABLES = frozenset({"settings", "users", "audit_log", "alembic_version", "number_series"})  # no business data


def hand_made() -> tuple[frozenset[str], tuple[str, ...]]:
    """The installed modules' one-database objects (``dialect_only``): (names, name prefixes)."""
    names: set[str] = set()
    prefixes: list[str] = []
    for m in installed():
        for n in m.dialect_only:
            (prefixes.append(n[:-1]) if n.endswith("*") else names.add(n))
    return frozenset(names), tuple(prefixes)


def is_business_table(name: str) -> bool:
    """Does a table hold business data? Not the core's own, a module's set-up (a chart of
    accounts), a hand-made index, or SQLite's own tables. The demo and ``restore`` ask this."""
    names, prefixes = hand_made()
    if name in CORE_TABLES or name in names or name.startswith(("sqlite_", *prefixes)):
        return False
    return not any(name in m.setup_tables for m in installed())


def load_models_for(module: Module) -> None:
    """Import the tables of ``module`` and of every module it depends on (its tables may have
    foreign keys to theirs), before its repository first works on them."""
    seen: set[str] = set()

    def visit(m: Module) -> None:
        if m.name in seen:
            return
        seen.add(m.name)
        for dep in m.depends:
            found = find(dep)
            if found is not None:
                visit(found)
        for target in m.models:
            importlib.import_module(target)

    visit(module)


def load_models() -> None:
    """Import every installed module's tables (autogenerate, the migrations, merge of contacts)."""
    importlib.import_module("bizsuite.core.models")
    importlib.import_module("bizsuite.core.numbering")
    for m in installed():
        for target in m.models:
            importlib.import_module(target)
