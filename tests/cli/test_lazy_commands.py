"""Commands built when asked for say in ``--help`` what they would say built."""

from __future__ import annotations

import pytest
import typer.main
from typer._click.utils import make_default_short_help

from bizsuite import cli


@pytest.mark.parametrize("limit", [12, 30, 45, 70, 200])
def test_the_one_line_help_of_an_unbuilt_command_is_the_built_ones(limit):
    root = typer.main.get_command(cli.app)
    assert len(cli._CORE_INFOS) >= 6
    for name, info in cli._CORE_INFOS.items():
        assert root.commands.pending(name)
        said = cli._short_help(info, limit, make_default_short_help)
        built = root.commands[name]  # builds it
        assert not root.commands.pending(name)
        assert said == built.get_short_help_str(limit), name


def test_every_name_is_listed_and_each_is_built_once():
    root = typer.main.get_command(cli.app)
    names = list(root.commands)
    assert {"init", "check", "search", "users"} <= set(names)
    assert all(root.commands.pending(n) for n in names)
    first = root.commands["check"]
    assert root.commands["check"] is first
    assert [n for n in names if not root.commands.pending(n)] == ["check"]
    assert "nosuch" not in root.commands and root.commands.get("nosuch") is None
