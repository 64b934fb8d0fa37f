"""A checkbox whose state is in its text: ``[x] label`` or ``[ ] label``.

Textual's own Checkbox always draws an ``X`` and shows the state by colour alone; on a terminal
without colour (TERM=vt100, NO_COLOR) or to a colour-blind clerk, on and off look the same.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox as _Checkbox


class Checkbox(_Checkbox):
    DEFAULT_CSS = """
    Checkbox > .toggle--button { background: transparent; color: $text-muted; }
    Checkbox.-on > .toggle--button { color: $text-success; text-style: bold; }
    Checkbox:focus > .toggle--button { color: $text; }
    """

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.assemble(("[", style), ("x" if self.value else " ", style), ("]", style))
