"""init, demo, users, audit, backup, restore, check."""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from bizsuite.cli.common import (
    FORMAT_OPTION,
    Fmt,
    books,
    emit,
    fail,
    globals_,
    location,
    open_store,
    progress_bar,
    refusals,
)
from bizsuite.cli.params import whole

users_app = typer.Typer(help="Who may use these books, and in which role.", no_args_is_help=True)


class Size(str, Enum):
    small = "small"
    large = "large"


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("demo")(demo)
    app.add_typer(users_app, name="users")
    app.command("audit")(audit)
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("check")(check)


# The options of ``init`` are a contract (PRODUCT.md, "The command line"); each beyond the
# company and its currency is an answer of the module that declares it (``Module.create``), which
# checks it, gives its default and writes it. This says only whose each is, for the one line
# shown when that module is not installed.
_ANSWERED_BY = {"region": "contacts", "chart": "the ledger"}


def init(
    ctx: typer.Context,
    company: str = typer.Option("My Company", "--company", help="The company's name."),
    currency: str = typer.Option("USD", "--currency", help="ISO 4217 code of the books' currency."),
    region: Optional[str] = typer.Option(None, "--region", show_default=False,
                                         help="Default country for phone numbers (ISO 3166 code)  [default: US]"),
    chart: Optional[str] = typer.Option(None, "--chart", show_default=False,
                                        help="Chart of accounts: standard (small business, English), "
                                        "cn-small (小企业会计准则) or none  [default: standard]"),
) -> None:
    """Create the books (idempotent); the OS user who runs it becomes the owner."""
    from bizsuite.core import modules
    from bizsuite.core.auth import os_login
    from bizsuite.core.errors import ValidationFailed
    from bizsuite.core.store import Store

    declared = modules.creation_answers()  # answer → (module, default)
    answers: dict[str, str | None] = {}
    for name, value in (("region", region), ("chart", chart)):
        if name in declared:
            answers[name] = value if value is not None else declared[name][1]
        elif value is not None and value.strip().lower() != "none":
            fail(f"--{name}: {_ANSWERED_BY[name]} is not installed")
    loc = location(ctx)
    with refusals():
        try:
            store = Store.open_or_create_empty(loc)
            try:
                created = store.initialise(company=company, currency=currency, owner=os_login(), answers=answers)
            finally:
                store.close()
        except ValidationFailed as exc:  # each field is the option of the same name
            raise ValidationFailed(exc.errors, prefix="--") from None
    if created:
        typer.echo(f"created the books of {company.strip()} at {loc.display()}; {os_login()} is the owner")
    else:
        typer.echo(f"books already exist at {loc.display()}; nothing changed")


def demo(
    ctx: typer.Context,
    size: Size = typer.Option(Size.small, "--size", help="small (~200 contacts) or large (100k)."),
    seed: int = typer.Option(7, "--seed", help="Same seed, same company.", parser=whole("--seed")),
    no_open: bool = typer.Option(False, "--no-open", help="Fill the books but do not open the app."),
) -> None:
    """Fill a demo company's books (its own file unless --db) and open the app on it."""
    from bizsuite.core.db import Location, default_demo_path, to_url
    from bizsuite.demo import prepare_demo

    g = globals_(ctx)
    loc = location(ctx) if g.db else Location(to_url(str(default_demo_path())), "demo")
    bar, update = progress_bar("building the demo")
    with refusals():
        if bar:
            with bar:  # messages go above the bar, not into it
                prepare_demo(loc, size=size.value, seed=seed, dedicated=not g.db,
                             echo=lambda m: bar.console.print(m, markup=False, highlight=False, soft_wrap=True),
                             progress=update)
        else:
            prepare_demo(loc, size=size.value, seed=seed, dedicated=not g.db, echo=lambda m: typer.echo(m, err=True))
    if not no_open:
        from bizsuite.app import run_tui

        raise typer.Exit(run_tui(loc, None))
    typer.echo(f"demo books ready at {loc.display()}; open them with: bizsuite --db {loc.display()}")


@users_app.command("list")
def users_list(ctx: typer.Context, fmt: Fmt = FORMAT_OPTION,
               all_: bool = typer.Option(False, "--all", help="Include removed users.")) -> None:
    """The users of these books and their roles."""
    with books(ctx, write=False) as b:
        rows = [
            {"name": u.name, "role": u.role, "active": u.active, "created_at": u.created_at.date(), "created_by": u.created_by}
            for u in b.admin.users(include_inactive=all_)
        ]
    emit(rows, ["name", "role", "active", "created_at", "created_by"], fmt, title="Users")


@users_app.command("add")
def users_add(ctx: typer.Context, name: str = typer.Argument(..., help="The person's OS login."),
              role: str = typer.Option(..., "--role", help="owner, accountant, hr, sales, support, warehouse or viewer.")) -> None:
    """Let an OS user use these books in a role."""
    with books(ctx) as b:
        u = b.admin.add_user(name, role)
    typer.echo(f"{u.name} may now use the books as {u.role}")


@users_app.command("remove")
def users_remove(ctx: typer.Context, name: str) -> None:
    """Take a user's access away (their history stays in the audit log)."""
    with books(ctx) as b:
        b.admin.remove_user(name)
    typer.echo(f"{name} may no longer use the books")


@users_app.command("set-role")
def users_set_role(ctx: typer.Context, name: str, role: str) -> None:
    """Change a user's role."""
    with books(ctx) as b:
        u = b.admin.set_role(name, role)
    typer.echo(f"{u.name} is now {u.role}")


def _since(value: Optional[str]):
    if not value:
        return None
    from datetime import datetime, timezone

    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since: {value!r} is not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM)")
    return d if d.tzinfo else d.astimezone(timezone.utc)


def audit(
    ctx: typer.Context,
    entity: Optional[str] = typer.Option(None, "--entity", help="A table, e.g. contacts."),
    entity_id: Optional[str] = typer.Option(None, "--id", help="One record's id."),
    user: Optional[str] = typer.Option(None, "--user", help="Changes made by (or as) this user."),
    since: Optional[str] = typer.Option(None, "--since", help="From this date or time on."),
    limit: int = typer.Option(200, "--limit", parser=whole("--limit", lo=1)),
    fmt: Fmt = FORMAT_OPTION,
) -> None:
    """Who changed what, newest first."""
    when = _since(since)
    with books(ctx, write=False) as b:
        rows = [
            {"at": e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if fmt == Fmt.table else e.at,
             "user": e.actor, "via": e.via or "", "entity": e.entity, "id": e.entity_id,
             "action": e.action, "changes": b.admin.describe(e) if fmt != Fmt.json else __import__("json").loads(e.changes)}
            for e in b.admin.audit(entity=entity, entity_id=entity_id, user=user, since=when, limit=limit)
        ]
    emit(rows, ["at", "user", "via", "entity", "id", "action", "changes"], fmt, title="Audit log")


def backup(ctx: typer.Context, dest: str = typer.Argument(..., help="The backup file to write.")) -> None:
    """Copy the books while clerks keep working (SQLite online backup). PostgreSQL books: prints
    the pg_dump command to run (no password on it: use ~/.pgpass, PGPASSFILE or PGPASSWORD)."""
    from bizsuite.core.backup import backup as do_backup

    with open_store(ctx) as (store, actor):
        actor.require("admin")
        info = do_backup(store.location, dest)
    typer.echo(f"backed up {info['company']} ({info['contacts']} contacts, {info['bytes']:,} bytes) to {dest}")


def restore(ctx: typer.Context, src: str = typer.Argument(..., help="A backup made by `bizsuite backup`."),
            force: bool = typer.Option(False, "--force", help="Replace books that already hold data.")) -> None:
    """Replace the books with a backup, after checking it."""
    from bizsuite.core.auth import os_login
    from bizsuite.core.backup import restore as do_restore
    from bizsuite.core.store import Store

    loc = location(ctx)
    with refusals():
        try:
            store = Store.open(loc, migrate=False)
        except Exception:
            store = None  # no books there yet: anyone may restore into a new file
        if store is not None:
            try:
                store.actor_for(os_login(), globals_(ctx).as_name).require("admin")
            finally:
                store.close()
        info = do_restore(loc, src, force=force)
    typer.echo(f"restored {info['company']} ({info['contacts']} contacts) into {loc.display()}")


def check(ctx: typer.Context, fmt: Fmt = FORMAT_OPTION) -> None:
    """Database integrity plus every invariant the modules define; exit 1 if anything is wrong."""
    with books(ctx, write=False) as b:
        results = b.admin.check()
        where = b.store.location
    rows = [{"check": r.name, "ok": "ok" if r.ok else "FAILED", "detail": r.detail} for r in results]
    emit(rows, ["check", "ok", "detail"], fmt, title=f"Checks of {where.display()}")
    bad = [r for r in results if not r.ok]
    if bad:
        fail(*[f"check failed: {r.name}: {r.detail}" for r in bad])
