"""Books in a read-only folder or a read-only file can be read (contacts list, check, the viewer's
Store.open), write nothing beside them, and refuse a write with one line. Backups are one file
(no -partial-shm / -partial-wal left next to them) and a restore reads a read-only backup
without writing beside it.

The tests run as root in CI containers, where file modes do not bind: the reading process is
started without CAP_DAC_OVERRIDE (``setpriv``), so it meets the modes as any clerk would."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest


def _drop():
    if os.geteuid() != 0:
        return []
    caps = "-dac_override,-dac_read_search,-fowner"
    prefix = ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}"]
    if not shutil.which("setpriv") or subprocess.run([*prefix, "true"]).returncode != 0:
        pytest.skip("needs setpriv to read as a user the file modes bind")
    return prefix


def as_reader(cli, *args, db):
    """``bizsuite --db DB ARGS`` in a process that file modes bind."""
    p = subprocess.run([*_drop(), *cli.argv(args, db)], env=cli.env(), capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, [line for line in p.stderr.splitlines() if line.strip()]


def _listing(folder):
    return sorted((p.name, p.stat().st_size) for p in folder.iterdir())


@pytest.fixture
def shelf(cli, tmp_path, books_path):
    """Books with a few contacts, alone in a folder."""
    folder = tmp_path / "shelf"
    folder.mkdir()
    path = folder / "books.sqlite"
    with cli.direct(books_path) as b:
        from bizsuite.crm.contacts.models import ContactIn

        for name in ("Ann Lee", "Bo Chen", "Cy Dahl"):
            b.contacts.add(ContactIn(name=name))
    shutil.copyfile(books_path, path)
    assert _listing(folder) == [("books.sqlite", path.stat().st_size)]
    yield path
    os.chmod(folder, 0o755)
    os.chmod(path, 0o644)


@pytest.mark.parametrize("folder_too", [True, False], ids=["read-only folder", "read-only file"])
def test_read_only_books_can_be_read(cli, shelf, folder_too):
    os.chmod(shelf, 0o444)
    if folder_too:
        os.chmod(shelf.parent, 0o555)
    before = _listing(shelf.parent)
    rc, out, err = as_reader(cli, "contacts", "list", "-f", "csv", db=shelf)
    assert (rc, err) == (0, []) and ["Ann Lee", "Bo Chen", "Cy Dahl"] == [
        line.split(",")[2] for line in out.splitlines()[1:]], (rc, out, err)
    rc, out, err = as_reader(cli, "check", db=shelf)
    assert (rc, err) == (0, []), (out, err)
    assert "contact search index" in out and "not checked: the books are read-only" in out
    rc, out, err = as_reader(cli, "tickets", "list", db=shelf)
    assert (rc, err) == (0, []), err
    rc, out, err = as_reader(cli, "contacts", "add", "Dee Fox", db=shelf)
    assert (rc, err) == (1, [f"{shelf}: read-only (the file or its folder cannot be written by you); "
                              "only commands that read work"]), (out, err)
    if folder_too:
        assert _listing(shelf.parent) == before  # nothing made beside the books
    os.chmod(shelf, 0o644)
    os.chmod(shelf.parent, 0o755)
    assert cli.count(shelf, "contacts") == 3


def test_the_viewer_opens_read_only_books(cli, shelf):
    os.chmod(shelf, 0o444)
    os.chmod(shelf.parent, 0o555)
    code = (
        "import sys; from bizsuite.core.db import Location, to_url; from bizsuite.core.store import Store\n"
        "from bizsuite.core.auth import os_login\n"
        "s = Store.open(Location(to_url(sys.argv[1]), 'test'))\n"
        "with s.read(s.actor_for(os_login())) as b:\n"
        "    print(s.access, b.session.execute(__import__('sqlalchemy').text('SELECT count(*) FROM contacts')).scalar())\n"
    )
    p = subprocess.run([*_drop(), sys.executable, "-c", code, str(shelf)], env=cli.env(), capture_output=True,
                       text=True, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (0, "immutable 3\n", ""), p


def test_backup_is_one_file_and_restore_of_a_read_only_backup_writes_nothing_beside_it(cli, shelf, tmp_path):
    vault = tmp_path / "vault"
    vault.mkdir()
    r = cli("backup", vault / "b1.sqlite", db=shelf)
    assert r.rc == 0, r
    assert [n for n, _ in _listing(vault)] == ["b1.sqlite"]  # no b1.sqlite.partial-shm / -wal
    conn = sqlite3.connect(vault / "b1.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
    os.chmod(vault / "b1.sqlite", 0o444)
    os.chmod(vault, 0o555)
    try:
        before = _listing(vault)
        target = tmp_path / "restored.sqlite"
        rc, out, err = as_reader(cli, "restore", vault / "b1.sqlite", db=target)
        assert rc == 0 and err == [] and "restored" in out, (rc, out, err)
        assert _listing(vault) == before
        assert cli.count(target, "contacts") == 3
        r = cli("restore", vault / "b1.sqlite", "--force", db=target)  # root, a writable folder: still nothing
        assert r.rc == 0 and _listing(vault) == before, r
    finally:
        os.chmod(vault, 0o755)


def test_backup_of_books_in_a_read_only_folder(cli, shelf, tmp_path):
    os.chmod(shelf, 0o444)
    os.chmod(shelf.parent, 0o555)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = _listing(shelf.parent)
    rc, out, err = as_reader(cli, "backup", out_dir / "b.sqlite", db=shelf)
    assert rc == 0 and err == [], (rc, out, err)
    assert [n for n, _ in _listing(out_dir)] == ["b.sqlite"] and _listing(shelf.parent) == before


def test_access_is_worked_out_from_the_file_its_folder_and_its_wal(tmp_path, monkeypatch):
    from pathlib import Path

    from bizsuite.core.db import sqlite_access

    path = tmp_path / "b.sqlite"
    assert sqlite_access(path) == "rw"  # missing: init makes it
    path.write_bytes(b"")
    writable: set[str] = set()
    monkeypatch.setattr(os, "access", lambda p, mode: str(p) in writable)
    assert sqlite_access(path) == "immutable"
    writable.add(str(tmp_path))
    assert sqlite_access(path) == "ro"
    writable.add(str(path))
    assert sqlite_access(path) == "rw"
    writable.discard(str(tmp_path))
    assert sqlite_access(path) == "immutable"  # no -shm to share, none can be made
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").write_bytes(b"")
    assert sqlite_access(path) == "ro"  # readers share the -shm that is there
    writable.update({f"{path}-wal", f"{path}-shm"})
    assert sqlite_access(path) == "rw"  # a folder clerks cannot write, -wal/-shm they can
