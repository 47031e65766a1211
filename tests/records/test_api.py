"""The public surface: read/parse/write, format detection, issue handling, record sets, stats."""

from __future__ import annotations

import gzip
from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import pytest

import sysreview.records as records_api
from sysreview.errors import InputError
from sysreview.records import (
    DuplicateIdWarning,
    FieldValueWarning,
    Record,
    RecordSet,
    detect_format,
    dumps,
    parse,
    read,
    read_many,
    reader_names,
    write,
    writer_names,
)
from tests.records._paths import benchmark, fixture


def test_public_surface_is_pinned() -> None:
    assert set(records_api.__all__) == {
        "FIELD_NAMES", "DecodingWarning", "Draft", "DuplicateIdWarning", "FieldValueWarning", "Format", "Issue",
        "MalformedRecordWarning", "Normalized", "OnIssue", "ReadContext", "Record", "RecordSet", "RecordStats",
        "RecordWarning", "Writer", "detect_format", "dumps", "fold_text", "journals_match", "normalize_author",
        "normalize_doi", "normalize_issn", "normalize_journal", "normalize_language", "normalize_pages",
        "normalize_pmid", "normalize_title", "normalize_type", "parse", "read", "read_many", "reader_names",
        "register_format", "register_writer", "start_page", "strip_title_flags", "write", "writer_names",
    }  # fmt: skip
    public = {n for n in dir(records_api) if not n.startswith("_") and n != "annotations"}
    assert public - set(records_api.__all__) == set()


def test_registered_formats() -> None:
    assert reader_names() == ("bibtex", "csv", "endnote_xml", "medline", "noteexpress", "refer", "ris", "wos", "xlsx")
    assert writer_names() == ("bibtex", "csv", "ris")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("asreview-demo-data/pubmed_endnote.txt", "ris"),
        ("asreview-demo-data/ris_issue_992.txt", "ris"),
        ("asysd/format-fixtures/test_export.txt", "csv"),
        ("synthesisr-testdata/WoS_txt_example.txt", "wos"),
        ("synthesisr-testdata/res_synth_methods.txt", "medline"),
        ("synthesisr-testdata/litsearchr.txt", "bibtex"),
        ("synthesisr-testdata/eviatlas.txt", "ris"),
        ("asysd/format-fixtures/zotero_export.xml.gz", "endnote_xml"),
        ("asysd/format-fixtures/zotero_export.ris.gz", "ris"),
    ],
)
def test_format_detection(path: str, expected: str) -> None:
    target = benchmark(path)
    data = target.read_bytes()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    assert detect_format(target.name, data) == expected


def test_content_of_unknown_suffix_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "export.dat"
    path.write_bytes(fixture("PubMed_example.txt").read_bytes())
    assert read(path)[0].format == "medline"
    for name in ("noteexpress_cnki_wanfang.txt", "endnote_tagged_cnki.txt", "wos_tab_delimited.txt"):
        target = tmp_path / name
        target.write_bytes(fixture(name).read_bytes())
        assert len(read(target)) == 2


def test_undetectable_format_and_bad_options() -> None:
    with pytest.raises(InputError, match=r"x\.txt: cannot tell the format .*pass format= one of: bibtex, csv"):
        parse("just some words\n", name="x.txt")
    with pytest.raises(InputError, match="unknown format 'endnote'; choose one of: bibtex, csv"):
        parse("TY  - JOUR\nER  -\n", format="endnote")
    with pytest.raises(InputError, match="on_issue must be one of warn, collect, raise; got 'ignore'"):
        parse("TY  - JOUR\nER  -\n", name="x.ris", on_issue="ignore")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"missing\.ris: cannot read the file"):
        read("missing.ris")


def test_strict_reading_raises_at_the_first_issue() -> None:
    with pytest.raises(InputError, match=r"faulty_year\.ris: line 3: field 'PY': no year in '10 15'"):
        read(fixture("faulty_year.ris"), on_issue="raise")


def test_issues_are_collected_silently_when_asked() -> None:
    records = read(fixture("faulty_year.ris"), on_issue="collect")
    assert [(i.category, i.line, i.field) for i in records.issues] == [(FieldValueWarning, 3, "PY")]
    assert records.issues[0].to_dict()["category"] == "FieldValueWarning"


def test_read_many_qualifies_colliding_ids(tmp_path: Path) -> None:
    first = tmp_path / "a.ris"
    second = tmp_path / "b.ris"
    first.write_text("TY  - JOUR\nID  - 1\nTI  - A\nER  -\n", encoding="utf-8")
    second.write_text("TY  - JOUR\nID  - 1\nTI  - B\nER  -\n", encoding="utf-8")
    with pytest.warns(DuplicateIdWarning, match="id '1' is already used by an earlier file; record renamed 'b.ris:1'"):
        combined = read_many([first, second])
    assert combined.ids == ("1", "b.ris:1")
    assert combined.by_id("b.ris:1").title == "B"
    # the record keeps its own ID tag, and a writer writes the new id
    again = parse(dumps(combined, "ris"), name="c.ris")
    assert again.ids == ("1", "b.ris:1")
    assert again[1].get("ID") == ("b.ris:1", "1")


def test_record_set_is_a_sequence_of_unique_records() -> None:
    records = read(benchmark("asreview-demo-data/embase.ris"))
    assert len(records) == 6
    assert records[0] is records.records[0]
    assert records[1:3] == records.records[1:3]
    assert [r.id for r in records] == list(records.ids)
    with pytest.raises(KeyError):
        records.by_id("nope")
    with pytest.raises(InputError, match="record ids must be unique in a RecordSet; repeated: x"):
        RecordSet((Record(id="x"), Record(id="x")))
    frame = records.to_frame()
    assert list(frame.columns[:3]) == ["id", "title", "alternative_titles"]
    assert frame.loc[0, "authors"] == "Liu R.; Adler D.G."


def test_records_are_frozen_and_replace_recomputes_the_normal_forms() -> None:
    record = read(benchmark("asreview-demo-data/embase.ris"))[0]
    with pytest.raises(FrozenInstanceError):
        record.title = "x"  # type: ignore[misc]
    changed = replace(record, doi="https://doi.org/10.1000/NEW")
    assert changed.normalized.doi == "10.1000/new"
    assert record.normalized.doi == "10.4103/2303-9027.138783"
    assert record.to_dict()["raw"][0] == ["TY", "JOUR"]


def test_write_by_suffix(tmp_path: Path) -> None:
    records = read(benchmark("synthesisr-testdata/WoS_txt_example.txt"))
    for name, fmt in (("out.ris", "ris"), ("out.csv", "csv"), ("out.bib", "bibtex"), ("out.ris.gz", "ris")):
        path = write(records, tmp_path / name)
        again = read(path)
        assert again[0].format == fmt
        assert again.ids == records.ids
    with pytest.raises(InputError, match=r"cannot tell the output format from the suffix '\.docx'"):
        write(records, tmp_path / "out.docx")
    with pytest.raises(InputError, match="cannot write format 'medline'; choose one of: bibtex, csv, ris"):
        write(records, tmp_path / "out.txt", "medline")


def test_stats() -> None:
    records = read_many(
        [benchmark("asreview-demo-data/embase.ris"), benchmark("synthesisr-testdata/PubMed_example.txt")]
    )
    stats = records.stats()
    assert stats.n_records == 9
    assert dict(stats.by_database) == {"Embase": 6, "PubMed": 3}
    assert dict(stats.by_type) == {"article": 9}
    assert dict(stats.by_year) == {"2004": 1, "2011": 1, "2014": 1, "2017": 2, "2018": 2, "2019": 2}
    assert dict(stats.missing)["pmid"] == 3  # Embase records 1, 3 and 6 have no C5 (PubMed id)
    assert dict(stats.missing)["title"] == 0
    assert "records: 9" in stats.summary()
    assert stats.to_dict()["by_database"] == {"Embase": 6, "PubMed": 3}


def test_a_reader_registered_by_name_is_used_through_the_same_seam() -> None:
    """A fake one-record-per-line format, registered like the built-in readers."""
    from collections.abc import Mapping, Sequence

    from sysreview.records import Draft, Format, ReadContext, register_format
    from sysreview.records._fields import Collector, Extraction, Note
    from sysreview.records._registry import _FORMATS

    def parse_lines(data: bytes, context: ReadContext) -> list[Draft]:
        drafts = []
        for number, line in enumerate(context.text(data).splitlines(), start=1):
            draft = Draft(line=number)
            draft.add("title", line, number)
            drafts.append(draft)
        return drafts

    def extract_lines(raw: Sequence[tuple[str, str]], note: Note, _columns: Mapping[str, str]) -> Extraction:
        collector = Collector(raw, note)
        collector.text("title", "title")
        return collector.extraction()

    register_format(Format(name="test_lines", parse=parse_lines, extract=extract_lines, suffixes=(".lines",)))
    try:
        records = parse("First title\nSecond title\n", name="x.lines")
        assert [(r.id, r.title, r.format) for r in records] == [
            ("x.lines:1", "First title", "test_lines"),
            ("x.lines:2", "Second title", "test_lines"),
        ]
        assert parse(dumps(records, "ris"), name="y.ris").ids == ("x.lines:1", "x.lines:2")
    finally:
        _FORMATS.pop("test_lines")


def test_importing_the_records_layer_loads_no_heavy_dependency() -> None:
    import subprocess
    import sys

    heavy = ("pandas", "openpyxl", "rapidfuzz", "numpy")
    code = f"import sys, sysreview.records; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
