"""Lossless: read → write → read gives the same records (RIS, CSV, BibTeX), and conversions keep every tag."""

from __future__ import annotations

import csv
import io

from hypothesis import given

from sysreview.records import FIELD_NAMES, RecordSet, dumps, parse, read
from sysreview.records._writing import foreign_entries
from tests.records._paths import benchmark
from tests.records._strategies import (
    bibtex_entries,
    render_ris,
    ris_records,
    simple_ris_records,
    tables,
)


def _same(first: RecordSet, second: RecordSet, *, added_id: str | None = None) -> None:
    """Same records: ids, fields and raw tags (``added_id``: the id tag/column a writer adds when a file had none)."""
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        assert a.id == b.id
        assert a.fields() == b.fields()
        if added_id is not None and added_id not in dict(a.raw):
            assert [pair for pair in b.raw if pair != (added_id, a.id)] == list(a.raw)
        else:
            assert a.raw == b.raw


@given(ris_records())
def test_ris_read_write_read(records: list[list[tuple[str, str]]]) -> None:
    text = render_ris(records)
    first = parse(text, name="a.ris", on_issue="collect")
    assert [list(r.raw) for r in first] == records  # the reader loses nothing
    second = parse(dumps(first, "ris"), name="a.ris", on_issue="collect")
    _same(first, second)


@given(ris_records(with_ids=False))
def test_ris_records_without_id_keep_their_id(records: list[list[tuple[str, str]]]) -> None:
    first = parse(render_ris(records), name="a.ris", on_issue="collect")
    text = dumps(first, "ris")
    second = parse(text, name="b.ris", on_issue="collect")
    _same(first, second, added_id="ID")
    assert dumps(second, "ris") == text  # writing is a fixed point


@given(tables())
def test_csv_read_write_read(table: tuple[list[str], list[list[str]]]) -> None:
    names, rows = table
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerow(names)  # quoted: a lone "|" or ";" name is no delimiter
    csv.writer(buffer).writerows(rows)
    first = parse(buffer.getvalue(), name="t.csv", on_issue="collect")
    assert [[value for _, value in r.raw] for r in first] == rows
    assert [[tag for tag, _ in r.raw] for r in first] == [names] * len(rows)
    second = parse(dumps(first, "csv"), name="t.csv", on_issue="collect")
    _same(first, second, added_id="id")


@given(bibtex_entries())
def test_bibtex_read_write_read(entries: list[list[tuple[str, str]]]) -> None:
    text = "\n".join(
        f"@{raw[0][1]}{{{raw[1][1]},\n" + "".join(f"  {n} = {{{v}}},\n" for n, v in raw[2:]) + "}\n" for raw in entries
    )
    first = parse(text, name="b.bib", on_issue="collect")
    assert [list(r.raw) for r in first] == entries
    second = parse(dumps(first, "bibtex"), name="b.bib", on_issue="collect")
    _same(first, second)


@given(simple_ris_records())
def test_conversions_keep_fields_and_carry_other_tags(records: list[list[tuple[str, str]]]) -> None:
    source = parse(render_ris(records), name="s.ris", on_issue="collect")
    for target in ("csv", "bibtex"):
        converted = parse(dumps(source, target), name=f"c.{'bib' if target == 'bibtex' else target}",
                          on_issue="collect")  # fmt: skip
        for before, after in zip(source, converted, strict=True):
            assert after.id == before.id
            for name in FIELD_NAMES:
                if name not in ("type", "pages"):
                    assert getattr(after, name) == getattr(before, name), (target, name)
            assert after.normalized.type == before.normalized.type
            assert after.normalized.pages == before.normalized.pages
            assert after.get("ris:N1") == before.get("N1")
            assert after.get("ris:ZZ") == before.get("ZZ")


def test_conversion_of_real_exports_keeps_every_field() -> None:
    for path in ("asreview-demo-data/embase.ris", "synthesisr-testdata/PubMed_example.txt",
                 "synthesisr-testdata/WoS_txt_example.txt", "asysd/format-fixtures/zotero_export.xml.gz"):  # fmt: skip
        source = RecordSet(read(benchmark(path), on_issue="collect").records[:150])  # 150 of Zotero's 1233 suffice
        for target, name in (("csv", "c.csv"), ("ris", "c.ris"), ("bibtex", "c.bib")):
            converted = parse(dumps(source, target), name=name, on_issue="collect")
            assert len(converted) == len(source)
            for before, after in zip(source, converted, strict=True):
                assert after.id == before.id
                assert after.normalized.title == before.normalized.title
                assert after.normalized.doi == before.normalized.doi
                assert after.year == before.year
                assert after.normalized.authors == before.normalized.authors
                assert after.normalized.issn == before.normalized.issn
                # every raw tag that no field holds travels with the record, value intact
                values = "\n".join(value for _, value in after.raw)
                for tag, value in foreign_entries(before, same_format=target):
                    assert value in values, (path, target, tag)
