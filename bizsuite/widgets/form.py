"""Form fields that say what is wrong right under themselves.

A :class:`FormField` is a label, one input widget and an error line (hidden while empty). A
:class:`Form` is a scrolling column of fields plus a form-level message line; give it the
``FieldError`` list of a ``ValidationFailed`` and each message lands under its field::

    with Form(id="form"):
        yield FormField("Name", Input(id="name"), field="name")
        yield FormField("Email", Input(id="email"), field="email")
    ...
    form.show_errors(exc.errors)          # errors for unknown fields go to the message line
"""

from __future__ import annotations

from typing import Iterable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static


class FormField(Vertical):
    """A labelled input with its own error line."""

    DEFAULT_CSS = """
    FormField {
        height: auto;
        & > Horizontal { height: auto; }
        & .form-field--label { width: 10; height: 1; color: $text-muted; padding-right: 1; }
        & .form-field--error { display: none; height: auto; color: $text-error; padding-left: 10; }
        &.-invalid .form-field--error { display: block; }
        &.-invalid .form-field--label { color: $text-error; text-style: bold; }
    }
    """

    def __init__(self, label: str, control: Widget, *, field: str, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id or f"field-{field}", classes=classes)
        self.label = label
        self.control = control
        self.field = field
        self._error: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(self.label, classes="form-field--label")
            yield self.control
        yield Static("", classes="form-field--error", markup=False)

    def focus_control(self) -> None:
        """Focus the control, or the first focusable widget inside it (a row of checkboxes)."""
        for widget in (self.control, *self.control.query("*")):
            if widget.focusable:
                widget.focus()
                return

    @property
    def error(self) -> str | None:
        return self._error if self.has_class("-invalid") else None

    def on_input_changed(self, event) -> None:
        self._edited()

    def on_select_changed(self, event) -> None:
        self._edited()

    def on_checkbox_changed(self, event) -> None:
        self._edited()

    def on_text_area_changed(self, event) -> None:
        self._edited()

    def _edited(self) -> None:
        """The user is fixing what was wrong: the error goes as soon as they change the value
        (it comes back, with the new reason, if the next save is refused too)."""
        if self._error is not None:
            self.set_error(None)

    def set_error(self, message: str | None) -> None:
        self._error = message
        self.query_one(".form-field--error", Static).update(f"↑ {message}" if message else "")
        self.set_class(bool(message), "-invalid")


class Form(VerticalScroll):
    """A column of :class:`FormField` widgets with one message line for the whole form."""

    DEFAULT_CSS = """
    Form {
        height: auto;
        max-height: 1fr;
        & > .form--message { display: none; height: auto; color: $text-error; margin-top: 1; }
        & > .form--message.-shown { display: block; }
    }
    """

    def on_mount(self) -> None:
        self.mount(Static("", classes="form--message", markup=False))

    @property
    def fields(self) -> dict[str, FormField]:
        return {f.field: f for f in self.query(FormField)}

    def clear_errors(self) -> None:
        for f in self.query(FormField):
            f.set_error(None)
        self.set_message(None)

    def show_errors(self, errors: Iterable) -> list:
        """Put each ``FieldError`` under its field; return the ones no field shows."""
        self.clear_errors()
        fields = self.fields
        messages: dict[str, list[str]] = {}
        unplaced = []
        for e in errors:
            if e.field in fields:
                messages.setdefault(e.field, []).append(e.message)
            else:
                unplaced.append(e)
        for name, texts in messages.items():
            fields[name].set_error("; ".join(texts))
        if unplaced:
            self.set_message("\n".join(str(e) for e in unplaced))
        first = next((f for f in fields.values() if f.field in messages), None)
        if first is not None:
            first.focus_control()
            self.scroll_to_widget(first, animate=False)
        return unplaced

    def set_message(self, text: str | None) -> None:
        message = self.query(".form--message")
        if not message:
            return
        widget = message.first(Static)
        widget.update(text or "")
        widget.set_class(bool(text), "-shown")
        if text:
            self.scroll_to_widget(widget, animate=False)
