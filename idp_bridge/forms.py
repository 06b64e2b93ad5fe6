"""What every Flask-WTF form of the bridge shares.

A field's label is a message code (``label(...)``), read in the request's brand when the
page is drawn, so each label is spelled once, in ``messages.py``. Templates draw fields
through ``templates/_form.html`` (label, control, error, the ARIA that ties them). A console
button is a small form of its own (:class:`ActionForm`): its CSRF token comes from the form
and its view checks it with ``validate_on_submit``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from flask import abort
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import PasswordField, StringField
from wtforms.widgets import PasswordInput, TextInput
from wtforms.widgets.core import clean_key

from idp_bridge.messages import Problem, message


class LabelText:
    """A label's words, looked up when shown (the brand is the request's). Escaped where
    shown like any text (Jinja and WTForms escape its ``str``)."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __str__(self) -> str:
        return message(self.code)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.code)


def label(code: str) -> Any:
    """The label of a field: ``Text(label("label.first_name"))``."""
    return LabelText(code)


def attributes(**kwargs: Any) -> Markup:
    """WTForms' ``html_params``, to the character (tests/unit/test_form_attributes.py), built
    with one string join instead of a ``Markup.format`` per attribute: the wizard's pages draw
    some seventy inputs per registration, and that formatting was a tenth of drawing them
    (issue 26)."""
    parts = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            parts.append(clean_key(key))
        elif value is not False:
            # escape() leaves a Markup value as it is: a quote in it must still not end the
            # attribute.
            text = str(escape(value)).replace('"', "&quot;")
            parts.append(f'{escape(clean_key(key))}="{text}"')
    # Every name and value above is escaped, as html_params escapes them.
    return Markup(" ".join(parts))  # noqa: S704


class TextBox(TextInput):
    html_params = staticmethod(attributes)


class SecretBox(PasswordInput):
    html_params = staticmethod(attributes)


class Text(StringField):
    """A text box (``StringField``, drawn by :func:`attributes`)."""

    widget = TextBox()


class Secret(PasswordField):
    """A password box: never drawn with a value (``PasswordField``, drawn by
    :func:`attributes`)."""

    widget = SecretBox()


class ActionForm(FlaskForm):
    """A console button (approve, deny, undo, resend, ...): the CSRF token and nothing else
    unless the action carries a choice of its own."""


Posted = TypeVar("Posted", bound=FlaskForm)


def submitted(form_class: type[Posted]) -> Posted:
    """The posted form, validated (its CSRF token first): a post that fails is refused as
    CSRFProtect refuses one, before anything changes."""
    form = form_class()
    if not form.validate_on_submit():
        abort(400)
    return form


def action_form() -> ActionForm:
    """For a template drawing a button whose view it is not rendered by (the page header's
    Log Out, a shared row macro): the same session's CSRF token, from a form."""
    return ActionForm(formdata=None)


def init_app(app: Any) -> None:
    app.add_template_global(action_form, "action_form")


def attach(form: Posted, errors: Mapping[str, Problem | str]) -> Posted:
    """Show ``errors`` (field name -> Problem, or a text) on the form's fields: the macros
    read ``field.errors``. Names that are not fields (``form``) stay with the page."""
    for name, found in errors.items():
        if name in form:
            form[name].errors = [found]
    return form
