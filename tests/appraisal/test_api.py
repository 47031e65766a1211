"""The public surface of sysreview.appraisal is what ``__all__`` says, and the command module starts light."""

from __future__ import annotations

import subprocess
import sys

from sysreview import appraisal


def test_all_names_the_public_surface() -> None:
    assert len(set(appraisal.__all__)) == len(appraisal.__all__)
    for name in appraisal.__all__:
        assert getattr(appraisal, name) is not None
    public = {n for n in vars(appraisal) if not n.startswith("_") and n != "annotations"}
    assert public == set(appraisal.__all__)


def test_command_module_imports_no_statistics() -> None:
    # `sysreview --help` stays fast: the appraisal commands import numpy and the library only when they run
    code = (
        "import sys, sysreview.cli._appraisal\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'sysreview.appraisal', 'sysreview.models') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
