"""Contracts of the package layout (ARCHITECTURE.md): the statistics core stands alone on numpy and scipy."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import sysreview

SRC = Path(sysreview.__file__).parent
CORE = ("effects", "models", "diagnostics")
CORE_MODULES = ("errors", "_typing", "_version", "_distributions", "_special")
HEAVY = ("pandas", "matplotlib", "typer", "rich", "sklearn", "sqlalchemy", "openpyxl", "jinja2", "rapidfuzz")


def _core_files() -> list[Path]:
    files = [SRC / f"{name}.py" for name in CORE_MODULES]
    for package in CORE:
        if (SRC / package).is_dir():
            files.extend(sorted((SRC / package).rglob("*.py")))
    return files


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_core_imports_only_numpy_scipy_and_the_core(path: Path) -> None:
    allowed_sysreview = {f"sysreview.{name}" for name in (*CORE, *CORE_MODULES)}
    stdlib = set(sys.stdlib_module_names)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in {"numpy", "scipy"} or top in stdlib:
                continue
            assert top == "sysreview", f"{path.name} imports {name}"
            assert any(name == m or name.startswith(m + ".") for m in allowed_sysreview), (
                f"{path.name} imports {name}, outside the statistics core"
            )


def test_importing_the_core_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, sysreview, sysreview.effects, sysreview.models\n"
        "import importlib.util\n"
        "if importlib.util.find_spec('sysreview.diagnostics'): import sysreview.diagnostics\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_scipy_special_loads_no_unused_numpy_submodule() -> None:
    """SciPy >= 1.17 clones numpy's namespace when scipy.special is imported, loading numpy.f2py, numpy.testing, …
    (0.1 s of every command); sysreview._special imports it without them, and numpy's namespace is restored after."""
    code = (
        "import sys, numpy\n"
        "before = (set(numpy.__all__), set(dir(numpy)))\n"
        "import sysreview.models, sysreview.effects\n"
        "from scipy._lib.array_api_compat import numpy as xp\n"
        "loaded = [m for m in ('numpy.f2py', 'numpy.testing', 'numpy.ma', 'numpy.polynomial') if m in sys.modules]\n"
        "same = before == (set(numpy.__all__), set(dir(numpy)))\n"
        "print(','.join(loaded) or '-', same, float(xp.sum(xp.asarray([1.5, 2.0]))))\n"
        "import numpy.testing\n"
        "print(numpy.testing.assert_allclose is not None)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["-", "True", "3.5", "True"]


def test_public_surface_is_curated() -> None:
    """Every name in ``__all__`` resolves, and nothing public exists outside it (modules aside)."""
    for name in sysreview.__all__:
        assert getattr(sysreview, name) is not None
    public = {name for name in dir(sysreview) if not name.startswith("_") and name != "annotations"}
    modules = {name for name in public if type(getattr(sysreview, name)).__name__ == "module"}
    helpers = {"importlib", "TYPE_CHECKING", "Any"}
    assert public - modules - helpers == set(sysreview.__all__) - {"__version__"}
    assert len(set(sysreview.__all__)) == len(sysreview.__all__)  # (ruff's RUF022 keeps the order sorted)


def test_importing_the_package_is_lazy() -> None:
    """``import sysreview`` loads neither numpy nor scipy (the command line starts fast)."""
    code = "import sys, sysreview; print(','.join(m for m in ('numpy', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_version_is_single_sourced() -> None:
    pyproject = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["version"] == sysreview.__version__
