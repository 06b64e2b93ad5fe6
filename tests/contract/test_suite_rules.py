"""The test suite's own rules, checked on its source: no test imports another test module or a
conftest (shared code lives in tests/support, shared fixtures in plugins registered by the root
conftest), and no module patches an imported class or module for the whole process."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent


def modules() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def imported_modules(tree: ast.Module) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def is_test_or_conftest(module: str) -> bool:
    parts = module.split(".")
    if parts[0] != "tests" or "support" in parts[:2]:
        return False
    return any(p == "conftest" or p.startswith("test_") for p in parts[1:])


def test_no_test_imports_another_test_module_or_a_conftest() -> None:
    offenders = {str(path.relative_to(TESTS.parent)): sorted(found) for path in modules()
                 if (found := {m for m in imported_modules(ast.parse(path.read_text("utf-8")))
                               if is_test_or_conftest(m) and not is_test_or_conftest(
                                   m.rpartition(".")[0])})}
    # Move what they share into the folder's plain helper module or tests/support; shared
    # fixtures into a plugin listed in tests/conftest.py's pytest_plugins.
    assert offenders == {}


def test_only_the_root_conftest_registers_plugins() -> None:
    registering = [path.relative_to(TESTS) for path in modules()
                   if "pytest_plugins" in path.read_text(encoding="utf-8")
                   and path.name == "conftest.py"]
    assert registering == [Path("conftest.py")]


def patched_imports(tree: ast.Module) -> list[str]:
    """Module-level assignments to an attribute of something imported, e.g.
    ``DefaultCookiePolicy.return_ok_secure = ...``: a change for every test in the process."""
    imported = {alias.asname or alias.name.split(".")[0]
                for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                for alias in node.names}
    top_level = [n for node in tree.body
                 for n in ([node] if not isinstance(node, ast.If) else node.body)]
    patched = []
    for node in top_level:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else [])
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                    and target.value.id in imported:
                patched.append(f"{target.value.id}.{target.attr}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "setattr" and node.args \
                and isinstance(node.args[0], ast.Name) and node.args[0].id in imported:
            patched.append(f"setattr({node.args[0].id}, ...)")
    return patched


def test_no_module_patches_what_it_imports() -> None:
    offenders = {str(path.relative_to(TESTS.parent)): found for path in modules()
                 if (found := patched_imports(ast.parse(path.read_text(encoding="utf-8"))))}
    assert offenders == {}
