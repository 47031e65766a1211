"""Layering (ARCHITECTURE.md): SQLAlchemy, Alembic and psycopg only in ``sysreview.project``; the screening rules
(``sysreview.review``) and the command line load none of them until a project command runs."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import sysreview

SRC = Path(sysreview.__file__).parent
DATABASE_LIBRARIES = ("sqlalchemy", "alembic", "psycopg")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError as error:
        return [f"<does not parse: {error}>"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_database_libraries_are_imported_only_by_the_project_package() -> None:
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in sorted(SRC.rglob("*.py"))
        if "project" not in path.relative_to(SRC).parts[:1]
        for name in _imports(path)
        if name.split(".")[0] in DATABASE_LIBRARIES or name.startswith("<")
    ]
    assert offenders == []


def test_the_screening_rules_and_the_command_module_load_no_database_library() -> None:
    """``sysreview --help`` stays fast: the project commands load the store and the records only when they run."""
    code = (
        "import sys, sysreview.cli\n"
        "before = set(sys.modules)\n"
        "import sysreview.review, sysreview.cli._project\n"
        "print(sorted(m for m in set(sys.modules) - before if not m.startswith('sysreview.review')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() in ("[]", "['sysreview.cli._project']")


def test_public_surfaces_are_curated() -> None:
    """Every name in ``__all__`` resolves, the list is sorted, and nothing public is left out."""
    import sysreview.project
    import sysreview.review

    for module in (sysreview.project, sysreview.review):
        names = module.__all__
        assert all(getattr(module, name) is not None for name in names)
        public = {n for n in vars(module) if not n.startswith("_") and n != "annotations"}
        submodules = {n for n in public if type(getattr(module, n)).__name__ == "module"}
        assert public - submodules == set(names), module.__name__
        assert len(set(names)) == len(names)
