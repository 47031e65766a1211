"""Extraction data → JSON / .xlsx / CSV → extraction data is identical: values, their types and decimals, provenance.

The data are drawn with every value type of the form (and text where a number belongs, NR, NA, fields the form does
not know), the texts that would read as something else (``NR``, ``12``, ``true``, ``=SUM(A1)``, a backslash …),
numbers with trailing zeros (``81.0``), exponents (``2E+7``) and more digits than an .xlsx number cell holds.
"""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import given, settings

from sysreview.extraction import Extraction, default_form, read_extraction, write_extraction
from tests.extraction._strategies import extractions

FORM = default_form()


def _round_trip(data: Extraction, name: str) -> Extraction:
    with TemporaryDirectory() as folder:
        path = Path(folder) / name
        write_extraction(data, path, form=FORM)
        return read_extraction(path, form=FORM)


def _same(data: Extraction, back: Extraction) -> None:
    assert back == data
    # equality of decimals ignores trailing zeros (81.0 == 81); the JSON text does not
    assert back.to_json() == data.to_json()


@settings(max_examples=40)
@given(extractions(FORM))
def test_json_round_trip_is_lossless(data: Extraction) -> None:
    back = Extraction.from_json(data.to_json())
    _same(data, back)
    assert Extraction.from_dict(data.to_dict()) == data


@settings(max_examples=25)
@given(extractions(FORM))
def test_xlsx_round_trip_is_lossless(data: Extraction) -> None:
    _same(data, _round_trip(data, "data.xlsx"))


@settings(max_examples=25)
@given(extractions(FORM))
def test_csv_folder_round_trip_is_lossless(data: Extraction) -> None:
    _same(data, _round_trip(data, "data"))
