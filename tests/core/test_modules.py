"""A module is its package plus one line: the test suite's own ``memos`` module, installed with
``modules.use``, shows up in books, the role matrix, ``check``, the CLI and the demo's parts —
with no shared file changed. (Its screens: tests/screens/test_module_screens.py.)"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bizsuite.core import auth, modules
from bizsuite.core.auth import Actor
from bizsuite.core.errors import PermissionDenied
from bizsuite.core.modules import Module, resolve
from bizsuite.core.store import Store
from memos_module import MODULE as MEMOS

WITH_MEMOS = [*modules.installed(), MEMOS]


@pytest.fixture
def memo_store(sqlite_location, owner_name):
    with modules.use(WITH_MEMOS):
        s = Store.open_or_create_empty(sqlite_location)
        s.initialise(company="Memo Co", currency="USD", owner=owner_name)
        yield s
        s.close()


def test_the_shipped_list_declares_its_modules_in_dependency_order():
    names = [m.name for m in modules.installed()]
    assert names == ["contacts", "ledger", "tickets", "stock", "purchasing", "pipeline", "sales"]
    for m in modules.installed():
        for target in (m.repository, m.checks and m.checks[0], m.demo and m.demo.target, m.summary, m.search,
                       m.cli, m.screen, *m.records.values(), *m.contact_panels, m.palette):
            if target:
                assert modules.load(target) is not None, target


def test_declarations_import_nothing_heavy():
    import subprocess
    import sys

    code = ("import sys; from bizsuite.core import modules; ms = modules.installed(); "
            "print(len(ms), ','.join(m for m in ('sqlalchemy', 'sqlmodel', 'textual', 'typer') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(len(modules.installed()))], out


def test_a_module_installed_in_the_test_suite_gets_books_permissions_and_checks(memo_store, owner_name):
    assert "memos.read" in auth.PERMISSIONS
    assert Actor("s", "support").can("memos.write") and not Actor("s", "sales").can("memos.write")
    owner = memo_store.actor_for(owner_name)
    with memo_store.transaction(owner) as books:
        cid = books.contacts.add(__import__("bizsuite.crm.contacts.models", fromlist=["ContactIn"]).ContactIn(
            name="Memo Person", kind="person")).id
        books.memos.add("call back on Monday", contact_id=cid)
    with memo_store.read(owner) as books:
        assert books.memos.all(contact_id=cid)[0][1] == "call back on Monday"
        names = {c.name: c.ok for c in books.admin.check()}
        assert names["memos have text"] is True
        assert names["schema up to date"] is True
    with memo_store.transaction(owner) as books:
        books.session.execute(__import__("sqlalchemy").text("UPDATE memos SET text = '  '"))
        assert {c.name: c.ok for c in books.admin.check()}["memos have text"] is False
        books.session.rollback()
    with pytest.raises(PermissionDenied):
        with memo_store.transaction(Actor(owner_name, "sales")) as books:
            books.memos.add("no")


def test_without_the_module_its_permissions_and_repository_are_gone():
    assert "memos.read" not in auth.PERMISSIONS
    with pytest.raises(KeyError):
        Actor("x", "owner").can("memos.read")


def test_the_cli_lists_and_runs_the_module_commands(memo_store, tmp_path):
    from bizsuite.cli import app

    runner = CliRunner()
    db = str(memo_store.location.url).removeprefix("sqlite:///")
    with modules.use(WITH_MEMOS):
        top = runner.invoke(app, ["--help"])
        assert "memos" in top.output and "Memos pinned to contacts" in top.output
        added = runner.invoke(app, ["--db", db, "memos", "add", "ring the bank"])
        assert added.exit_code == 0, added.output
        assert added.output.startswith("created memo M")
        listed = runner.invoke(app, ["--db", db, "memos", "list"])
        assert "ring the bank" in listed.output


def test_without_the_module_the_cli_has_no_such_command():
    from bizsuite.cli import app

    gone = CliRunner().invoke(app, ["memos", "list"])
    assert gone.exit_code == 2 and "No such command" in gone.output
    assert "memos" not in CliRunner().invoke(app, ["--help"]).output


def test_the_demo_runs_each_module_part_after_the_modules_it_needs():
    from bizsuite.demo import parts

    names = [p.name for p in parts()]
    assert names[0] == "contacts" and names.index("contacts") < names.index("tickets")
    assert "users" not in names  # the staff who use bizsuite are contacts: the contacts part adds them
    assert names.index("contacts") < names.index("ledger")


def test_a_list_that_cannot_work_is_refused_at_once():
    lonely = Module(name="lonely", title="Lonely", depends=("nothing",))
    with pytest.raises(LookupError, match="needs module nothing"):
        resolve([lonely])
    twice = Module(name="contacts", title="Again")
    with pytest.raises(LookupError, match="used twice"):
        resolve([*modules.installed(), twice])
    clash = Module(name="clash", title="Clash", key="c")
    with pytest.raises(LookupError, match="home-screen key .c. is already contacts.s"):
        resolve([*modules.installed(), clash])
    a = Module(name="a", title="A", depends=("b",))
    b = Module(name="b", title="B", depends=("a",))
    with pytest.raises(LookupError, match="circle"):
        resolve([a, b])
    assert [m.name for m in resolve([a.__class__(name="x", title="X", depends=("y",)),
                                     Module(name="y", title="Y")])] == ["y", "x"]


def test_reserved_names_cover_what_books_have_and_the_core_commands():
    from typer.main import get_command

    from bizsuite.cli import app
    from bizsuite.core.modules import RESERVED
    from bizsuite.core.store import Books

    own = {n for n in dir(Books) if not n.startswith("_")}
    assert own <= RESERVED, own - RESERVED
    root = get_command(app)
    core_commands = set(root.commands)  # the modules' sub-commands load lazily, they are not here
    assert core_commands <= RESERVED, core_commands - RESERVED


def test_declarations_that_could_only_fail_later_are_refused_at_once():
    base = list(modules.installed())
    bad = [
        (Module(name="Stock-Items", title="x"), "lower-case identifier"),
        (Module(name="company", title="x"), "reserved"),
        (Module(name="helpme", title="x", key="question_mark"), "already the app's"),
        (Module(name="squat", title="x", permissions={"ledger.read": ("owner",)}), "already ledger's"),
        (Module(name="odd", title="x", permissions={"odd.read": ("owner", "janitor")}), "unknown roles"),
        (Module(name="noread", title="x", screen="x:y"), "'noread.read' is declared by no module"),
        (Module(name="fees", title="x", permissions={"fees.read": ("owner",)}, posts={"manual2": "nope.x"}),
         "'nope.x' is declared by no module"),
        (Module(name="twin", title="x", records={"contact": "x:y"}), "already contacts's"),
    ]
    for module, message in bad:
        with pytest.raises(LookupError, match=message.replace("(", r"\(").replace(")", r"\)")):
            resolve([*base, module])
    a = Module(name="a1", title="A", permissions={"a1.x": ("owner",)}, posts={"fee": "a1.x"})
    b = Module(name="b1", title="B", permissions={"b1.x": ("owner",)}, posts={"fee": "b1.x"})
    with pytest.raises(LookupError, match="'fee' are already a1's"):
        resolve([*base, a, b])


def test_a_check_that_breaks_is_reported_and_the_others_still_run(memo_store, owner_name):
    with memo_store.transaction(memo_store.actor_for(owner_name)) as books:
        books.session.execute(__import__("sqlalchemy").text("DROP TABLE memos"))
        results = {c.name: c for c in books.admin.check()}
        assert results["Memos checks ran"].ok is False and "memos" in results["Memos checks ran"].detail
        assert results["ledger trial balance is zero"].ok is True
        books.session.rollback()


def test_all_roles_is_the_role_list():
    from bizsuite.core.auth import ROLES
    from bizsuite.core.modules import ALL_ROLES

    assert ALL_ROLES == tuple(ROLES)
