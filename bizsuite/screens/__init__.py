"""The app's screens. Which modules the home screen, the palette and the contact page offer comes
from the installed modules' declarations (:mod:`bizsuite.core.modules`): a module with a
``screen`` gets an app mode, a home-screen line under its ``key``, and a palette entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bizsuite.core import modules as _modules
from bizsuite.core.modules import Module, load

if TYPE_CHECKING:
    from textual.screen import Screen

    from bizsuite.core.auth import Actor


def screen_modules() -> tuple[Module, ...]:
    """Installed modules that have screens, in the installed order."""
    return tuple(m for m in _modules.installed() if m.screen)


def module(name: str) -> Module:
    for m in screen_modules():
        if m.name == name:
            return m
    raise KeyError(name)


def allowed_modules(actor: "Actor") -> list[Module]:
    return [m for m in screen_modules() if m.allowed(actor)]


def make_screen(m: Module) -> "Screen":
    return load(m.screen)()
