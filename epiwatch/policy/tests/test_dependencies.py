"""The policy package stays pure: it imports neither Django nor any app of ours except the model-free lib."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_it_imports_only_the_standard_library_lib_and_itself():
    sources = [p for p in PACKAGE.rglob("*.py") if "tests" not in p.relative_to(PACKAGE).parts]
    assert len(sources) >= 10
    for path in sources:
        for module in imported_modules(path):
            top = module.split(".")[0]
            assert top != "django", f"{path.name} imports {module}"
            if top == "epiwatch":
                assert module.startswith(("epiwatch.lib", "epiwatch.policy")), f"{path.name} imports {module}"
