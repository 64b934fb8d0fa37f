"""Keys cannot clash: within a screen a key does one thing (a toggle such as drafts(True)/
drafts(False) is one thing), no screen takes the app's own keys for something else, a module's
home key is its own, and every screen has help for ? and F1."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from textual.screen import Screen

import bizsuite.screens as screens_pkg
from bizsuite.app import BizsuiteApp
from bizsuite.core import modules
from bizsuite.screens.base import BizModal, BizScreen


def _all_screens() -> list[type[Screen]]:
    for info in pkgutil.walk_packages(screens_pkg.__path__, "bizsuite.screens."):
        importlib.import_module(info.name)

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return sorted({c for c in walk(Screen) if c.__module__.startswith("bizsuite.")},
                  key=lambda c: f"{c.__module__}.{c.__qualname__}")


SCREENS = _all_screens()


def _own_keys(cls) -> dict[str, set[str]]:
    """key → actions, from the BINDINGS that bizsuite's own classes declare (not Textual's)."""
    out: dict[str, set[str]] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("bizsuite."):
            continue
        for b in klass.__dict__.get("BINDINGS", []):
            keys, action = (b.key, b.action) if hasattr(b, "key") else (b[0], b[1])
            for key in keys.split(","):
                out.setdefault(key.strip(), set()).add(action)
    return out


APP_KEYS = _own_keys(BizsuiteApp)


def _action_name(action: str) -> str:
    return action.split("(", 1)[0].removeprefix("app.")


@pytest.mark.parametrize("screen", SCREENS, ids=lambda c: c.__qualname__)
def test_a_key_does_one_thing_on_each_screen(screen):
    for key, actions in _own_keys(screen).items():
        names = {_action_name(a) for a in actions}
        assert len(names) == 1, f"{screen.__qualname__}: {key} is bound to {sorted(names)}"
        if key in APP_KEYS and key not in ("escape",):
            assert {_action_name(a) for a in APP_KEYS[key]} == names, \
                f"{screen.__qualname__} takes the app's key {key} for {sorted(names)}"


def test_there_are_screens_to_check():
    names = {c.__qualname__ for c in SCREENS}
    assert {"HomeScreen", "ContactsScreen", "QueueScreen", "AccountsScreen"} <= names


@pytest.mark.parametrize("screen", [s for s in SCREENS if issubclass(s, (BizScreen, BizModal))],
                         ids=lambda c: c.__qualname__)
def test_every_screen_says_what_it_is_for(screen):
    """? and F1 open help on every screen: it needs something to say (bases excepted)."""
    if screen.__subclasses__() and not screen.__dict__.get("HELP"):
        pytest.skip("a base class")
    assert screen.HELP.strip(), f"{screen.__qualname__} has no HELP"


def test_module_home_keys_do_not_take_the_home_screen_keys():
    from bizsuite.screens.home import HomeScreen

    taken = set(_own_keys(HomeScreen)) | set(APP_KEYS)
    for m in modules.installed():
        if m.key:
            assert m.key not in taken, f"module {m.name}'s key {m.key} is already the home screen's"


async def test_f1_opens_help_in_a_form_too(sqlite_store, owner_name, sqlite_location):
    """In a form ? is text; F1 still opens the form's own help."""
    from bizsuite.app import make_app
    from bizsuite.screens.contact_forms import ContactForm
    from bizsuite.screens.help import HelpScreen
    from screen_helpers import SIZE, settle

    app = make_app(sqlite_store, sqlite_store.actor_for(owner_name), sqlite_location)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ContactForm)
        await pilot.press("question_mark")  # typed into the name field
        await settle(pilot)
        assert isinstance(app.screen, ContactForm)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert ContactForm.HELP.split(".")[0] in str(app.screen.query_one("#help-text").render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ContactForm)


def test_every_key_is_declared_once_in_the_keymap():
    """Every binding bizsuite declares has an id in widgets/keymap.KEYS and takes its keys from
    there; every id there is used."""
    from bizsuite.widgets.keymap import KEYS

    used = set()
    for cls in [*SCREENS, BizsuiteApp, *_widgets()]:
        for klass in cls.__mro__:
            if not klass.__module__.startswith("bizsuite."):
                continue
            for b in klass.__dict__.get("BINDINGS", []):
                assert b.id in KEYS, f"{klass.__qualname__}: {b.action} has no id in the keymap"
                assert b.key == KEYS[b.id]
                used.add(b.id)
    assert set(KEYS) - used == set(), "ids in the keymap that no binding uses"


def _widgets():
    import bizsuite.widgets as widgets_pkg
    from textual.widget import Widget

    for info in pkgutil.walk_packages(widgets_pkg.__path__, "bizsuite.widgets."):
        importlib.import_module(info.name)

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return [c for c in walk(Widget) if c.__module__.startswith("bizsuite.widgets")]


def test_the_user_keymap_moves_a_key_and_reports_mistakes(tmp_path):
    from bizsuite.widgets.keymap import user_keymap

    path = tmp_path / "keys.toml"
    path.write_text('[keys]\n"contacts_screen.add" = "plus"\n"no.such" = "x"\n"app.help" = ""\n')
    mapping, problems = user_keymap(path)
    assert mapping == {"contacts_screen.add": "plus"}
    assert problems == [f"{path}: no.such: no such key binding",
                        f'{path}: app.help: give the keys as text, such as "ctrl+n"']
    path.write_text("[keys\n")
    assert user_keymap(path)[1][0].startswith(f"{path}: cannot be read")


async def test_a_remapped_key_works_in_the_app(sqlite_store, owner_name, sqlite_location, tmp_path, monkeypatch):
    from bizsuite.app import make_app
    from bizsuite.screens.contact_forms import ContactForm
    from bizsuite.screens.contacts import ContactsScreen
    from screen_helpers import SIZE, settle

    conf = tmp_path / "conf" / "bizsuite"
    conf.mkdir(parents=True)
    (conf / "keys.toml").write_text('[keys]\n"contacts_screen.add" = "plus"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "conf"))
    app = make_app(sqlite_store, sqlite_store.actor_for(owner_name), sqlite_location)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        await pilot.press("a")  # no longer Add
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        await pilot.press("plus")
        await settle(pilot)
        assert isinstance(app.screen, ContactForm)
