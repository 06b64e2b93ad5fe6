"""Every text a user or administrator reads has one home, ``idp_bridge/messages.py``
(issue 20): a refusal raised as ``DecisionFailed(...)`` (or the refusals shown through it)
or flashed with ``flash(...)`` takes
its words from ``message(code, ...)`` (or passes on another refusal's), never a string
literal written at the call site."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "idp_bridge"
GUARDED = ("DecisionFailed", "flash", "NotDisabled", "TransitionRefused")


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _literal_text(node: ast.expr) -> bool:
    """A string written here: a literal, an f-string, or either inside an expression."""
    return any(isinstance(inner, ast.JoinedStr) or
               (isinstance(inner, ast.Constant) and isinstance(inner.value, str))
               for inner in _outside_calls(node))


def _outside_calls(node: ast.AST) -> list[ast.AST]:
    # message("code", ...) and str(exc) are fine: their own arguments are codes, not text.
    if isinstance(node, ast.Call):
        return []
    found = [node]
    for child in ast.iter_child_nodes(node):
        found += _outside_calls(child)
    return found


def literal_texts(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and _called_name(node) in GUARDED and node.args and \
                _literal_text(node.args[0]):
            found.append(f"{filename}:{node.lineno} {_called_name(node)}(...)")
    return found


def test_no_refusal_or_flash_in_the_bridge_is_written_at_its_call_site() -> None:
    found = [hit for path in sorted(PACKAGE.rglob("*.py"))
             for hit in literal_texts(path.read_text(), str(path.relative_to(PACKAGE.parent)))]
    assert found == [], "move these texts into idp_bridge/messages.py:\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    'raise DecisionFailed("This organization was already reviewed.")',
    'flash(f"{name} can sign in again.", "success")',
    'flash("Reconciled: " + "; ".join(changes), "success")',
    'flash(("kept" if keep else "suspended"), "success")',
])
def test_the_check_catches_a_literal(source: str) -> None:
    assert literal_texts(source, "x.py")


@pytest.mark.parametrize("source", [
    'raise DecisionFailed(message("decision.last_admin"))',
    'flash(message(f"organization.decided.{verdict}", organization=name), "success")',
    'flash(str(exc), "error")',
])
def test_the_check_lets_a_message_through(source: str) -> None:
    assert not literal_texts(source, "x.py")

