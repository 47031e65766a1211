"""CNKI, Wanfang and VIP exports: NoteExpress and EndNote tagged, Chinese values, GB18030 files."""

from __future__ import annotations

from pathlib import Path

import pytest

from sysreview.records import DecodingWarning, dumps, parse, read
from tests.records._paths import fixture


def test_noteexpress_cnki_and_wanfang() -> None:
    records = read(fixture("noteexpress_cnki_wanfang.txt"))
    cnki, wanfang = records
    assert cnki.format == "noteexpress"
    assert cnki.authors == ("潘紫麟", "刘庆鹏")  # "潘紫麟;刘庆鹏;" in one field
    assert cnki.keywords == ("脊柱疾病", "计算机辅助", "导航技术")
    assert (cnki.journal, cnki.year, cnki.issue, cnki.pages) == ("医学综述", 2021, "11", "2184-2188")
    assert cnki.issn == ("1006-2084",)
    assert cnki.database == "CNKI"
    assert wanfang.authors == ("许雅琼", "张银萍")
    translated = (
        "Relationship between marital quality, negative emotion and social support in patients with breast cancer "
        "after operation"
    )
    assert wanfang.alternative_titles == (translated,)
    assert wanfang.database == "Wanfang"  # "北京万方数据股份有限公司"
    assert wanfang.get("Database Provider") == ("北京万方数据股份有限公司",)
    assert wanfang.abstract == "目的 调查乳腺癌术后患者婚姻质量.\n方法 选取乳腺癌术后患者110例."
    assert wanfang.doi == "10.19347/j.cnki.2096-1413.202001019"
    assert wanfang.normalized.language == "zh"
    assert wanfang.get("Translated Author") == ("XU Ya-qiong", "ZHANG Yin-ping")


def test_noteexpress_in_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "cnki.net"
    path.write_bytes(fixture("noteexpress_cnki_wanfang.txt").read_text(encoding="utf-8").encode("gb18030"))
    with pytest.warns(DecodingWarning, match="decoded as gb18030"):
        records = read(path)
    assert [r.title for r in records] == [r.title for r in read(fixture("noteexpress_cnki_wanfang.txt"))]


def test_endnote_tagged_cnki() -> None:
    records = read(fixture("endnote_tagged_cnki.txt"))
    article, thesis = records
    assert article.format == "refer"
    assert article.authors == ("王五", "赵六")
    assert (article.title, article.journal, article.year, article.volume, article.issue) == (
        "河流治理研究",
        "中国水利",
        2019,
        "7",
        "03",
    )
    assert article.keywords == ("河流治理", "生态修复", "水环境")
    assert article.issn == ("1000-1123",)
    assert article.database == "CNKI"
    assert thesis.normalized.type == "thesis"
    assert thesis.get("I") == ("清华大学",)


def test_chinese_records_convert_to_ris_and_back() -> None:
    records = read(fixture("noteexpress_cnki_wanfang.txt"))
    again = parse(dumps(records, "ris"), name="cnki.ris")
    assert [r.fields() for r in again] != []
    for before, after in zip(records, again, strict=True):
        assert after.title == before.title
        assert after.authors == before.authors
        assert after.keywords == before.keywords
        assert after.id == before.id
    # the wording of the provider and the translated authors travel as notes
    assert "[noteexpress:Database Provider] 北京万方数据股份有限公司" in again[1].get("N1")
    assert "[noteexpress:Translated Author] XU Ya-qiong" in again[1].get("N1")
