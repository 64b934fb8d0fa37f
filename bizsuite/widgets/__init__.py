"""Reusable widgets for every bizsuite screen (the only package besides screens/ and app.py
that imports Textual)."""

from bizsuite.widgets.confirm import Confirm
from bizsuite.widgets.form import Form, FormField
from bizsuite.widgets.paged_table import Column, PagedTable
from bizsuite.widgets.titlebar import TitleBar

__all__ = ["Column", "Confirm", "Form", "FormField", "PagedTable", "TitleBar"]
