"""The helpers the command modules share (``sysreview.cli._common``): the help texts stay in step with the models,
the module's public surface is what ``__all__`` says, and importing the command line loads no statistics."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from sysreview.cli import _common
from sysreview.errors import InputError
from sysreview.models import METHODS, TESTS
from tests.cli._helpers import run


def test_method_and_test_codes_match_the_models() -> None:
    # the help texts use these copies so that `sysreview --help` need not import sysreview.models
    assert _common.METHOD_CODES == METHODS
    assert _common.TEST_CODES == TESTS


@pytest.mark.parametrize(("command", "extra"), [("meta", ("MH", "PETO")), ("bias", ()), ("sensitivity", ())])
def test_method_help_lists_every_method(command: str, extra: tuple[str, ...]) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    match = re.search(r"--method CODE (.*?)\[default: REML\]", text)
    assert match is not None, text
    listed = set(re.findall(r"[A-Za-z]+", match.group(1)))
    assert set(METHODS) | set(extra) <= listed


def test_test_help_lists_every_test() -> None:
    result = run("sensitivity", "--help")
    assert "|".join(TESTS) in result.stdout


def test_all_names_the_public_helpers() -> None:
    assert all(hasattr(_common, name) for name in _common.__all__)
    assert len(set(_common.__all__)) == len(_common.__all__)
    defined = {
        name
        for name, value in vars(_common).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == _common.__name__
    }
    constants = {name for name in vars(_common) if name.isupper() and name[0] != "_"} - {"TYPE_CHECKING"}
    assert defined | constants <= set(_common.__all__)


def test_cli_import_loads_no_statistics() -> None:
    # the statistics core (and numpy under it) loads only when a command runs
    heavy = ("numpy", "scipy", "sysreview.models", "sysreview.effects", "sysreview.diagnostics")
    code = f"import sys, sysreview.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("value", "expected"), [("FE", "FE"), ("reml", "REML"), (" dlit ", "DLIT"), ("hsk", "HSk"), ("mh", "MH")]
)
def test_parse_method_takes_any_case(value: str, expected: str) -> None:
    assert _common.parse_method(value, extra=("MH", "PETO")) == expected


def test_parse_method_lists_the_choices() -> None:
    with pytest.raises(InputError, match=r"unknown method 'MH'; choose one of FE, EE, CE, DL, DLIT, .*, PMM$"):
        _common.parse_method("MH")


@pytest.mark.parametrize(("text", "expected"), [("0.9", 0.9), ("90", 0.9), ("95%", 0.95)])
def test_parse_level(text: str, expected: float) -> None:
    assert _common.parse_level(text) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(("option", "text"), [("--tau2", "-0.1"), ("--tau2", "nan"), ("--add", "x")])
def test_parse_number_rejects(option: str, text: str) -> None:
    with pytest.raises(InputError, match=f"^{option} '{re.escape(text)}'"):
        _common.parse_number(option, text, minimum=0.0)


def test_column_mapping() -> None:
    assert _common.column_mapping(["yi = effect", "vi=var", "yi=effect"]) == {"yi": "effect", "vi": "var"}
    with pytest.raises(InputError, match="given twice"):
        _common.column_mapping(["yi=a", "yi=b"])


def test_plain_makes_json_safe_values() -> None:
    value = {"a": (1.0, float("nan")), "b": np.array([1.5, np.inf]), 3: np.float64(2.0)}
    assert _common.plain(value) == {"a": [1.0, None], "b": [1.5, None], "3": 2.0}
    assert _common.to_json({"x": float("inf")}) == '{\n  "x": null\n}'
