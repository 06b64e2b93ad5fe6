"""Forms draw themselves (issue 20): a template takes a field, its label, its value and its
error from the form (through ``templates/_form.html``), and a CSRF token only from a form
(``form.hidden_tag()``, ``csrf(form)``); a label is spelled once, in ``messages.py``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from idp_bridge.messages import TEXTS

PACKAGE = Path(__file__).resolve().parents[2] / "idp_bridge"

# A token written by hand: an <input> named csrf_token, or Flask-WTF's bare csrf_token().
HAND_WRITTEN_CSRF = re.compile(r'<input[^>]*name=["\']csrf_token["\']|csrf_token\(\)')
# A field built from the old separate dict: values.x, values["x"], values.get("x").
VALUES_FIELD = re.compile(r"\bvalues\s*(\.|\[)")


def _templates() -> list[Path]:
    return sorted(PACKAGE.rglob("*.html"))


def hand_written_csrf(source: str) -> list[str]:
    return [m.group(0) for m in HAND_WRITTEN_CSRF.finditer(source)]


def values_fields(source: str) -> list[str]:
    return [m.group(0) for m in VALUES_FIELD.finditer(source)]


def test_no_template_writes_a_csrf_input_by_hand() -> None:
    found = [f"{path.relative_to(PACKAGE.parent)}: {hit}" for path in _templates()
             for hit in hand_written_csrf(path.read_text())]
    assert found == [], "draw the token from the view's form (csrf(form)):\n" + \
        "\n".join(found)


def test_no_template_builds_a_field_from_a_values_dict() -> None:
    found = [f"{path.relative_to(PACKAGE.parent)}: {hit}" for path in _templates()
             for hit in values_fields(path.read_text())]
    assert found == [], "render form.<field> through _form.html instead:\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    '<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">',
    "<input name='csrf_token' type=hidden value='{{ token }}'>",
    '<form>{{ csrf_token() }}</form>',
])
def test_the_csrf_guard_sees_a_hand_written_token(source: str) -> None:
    assert hand_written_csrf(source)


def test_the_csrf_guard_lets_a_form_draw_its_token() -> None:
    assert not hand_written_csrf('{{ form.hidden_tag() }}{{ csrf(action) }}')


@pytest.mark.parametrize("source", [
    '<input name="npi" value="{{ values.get(\'npi\', \'\') }}">',
    '{% if values.opt_in == "out" %}selected{% endif %}',
    '{{ values["first_name"] }}',
])
def test_the_values_guard_sees_a_field_built_by_hand(source: str) -> None:
    assert values_fields(source)


def _label_texts() -> dict[str, str]:
    return {code: text for code, text in TEXTS.items()
            if code.startswith("label.") and "{" not in text}


def _python_literals(path: Path) -> set[str]:
    return {node.value for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def test_each_label_is_spelled_only_in_messages() -> None:
    labels = set(_label_texts().values())
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "messages.py":
            found += [f"{path.relative_to(PACKAGE.parent)}: {text!r}"
                      for text in sorted(_python_literals(path) & labels)
                      if len(text.split()) > 1]  # one-word labels (City, NPI) are common words
    for path in _templates():
        written = re.findall(r"<label[^>]*>\s*([^<{]+?)\s*</label>", path.read_text())
        found += [f"{path.relative_to(PACKAGE.parent)}: <label>{text}</label>"
                  for text in written if text in labels]
    assert found == [], "take the label from the form (messages.py label.*):\n" + \
        "\n".join(found)
