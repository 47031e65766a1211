"""Every real export of ../shared/data/benchmarks (asreview-demo-data, synthesisr-testdata, asysd) is read with the
right number of records, the right first and last record, and exactly the expected issues (nothing dropped, nothing
silent).

How the expected record counts were established (independently of the readers; ``count_independently`` below
repeats the count in the test):

- RIS: lines starting ``ER  -`` (after splitting at CR, LF or CRLF);
- MEDLINE: lines starting ``PMID-``; WoS tagged: lines equal to ``ER``;
- BibTeX: lines starting ``@<type>{`` (no ``@comment``/``@string``);
- EndNote XML: ``<record>`` elements; tables: non-blank data rows as pandas reads them (``sep``, ``encoding`` given);
- and, where the source says so, its SOURCE.md (asysd: "scopus.ris (10 recs), wos_test.ris (50), ris_export.txt (69),
  test_export (3 recs each), zotero_export.{bib,ris} (1000 recs), zotero_export.{csv,xml} (1233 recs),
  mendeley_export.xml (1233 recs)"; the labelled Diabetes set "1845 records"; synthesisr "PubMed_example.txt (3
  records)", "scopus_extdata.ris (92 recs)").

First/last title, DOI and year were checked by hand against the files (``grep`` of the TI/T1, DO/DI, PY/Y1 lines).
"""

# ruff: noqa: E501  (the expected titles are data, quoted whole)

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field

import pandas as pd
import pytest

from sysreview.records import (
    DecodingWarning,
    DuplicateIdWarning,
    FieldValueWarning,
    MalformedRecordWarning,
    RecordWarning,
    read,
)
from tests.records._paths import benchmark

F = FieldValueWarning
M = MalformedRecordWarning
D = DuplicateIdWarning


@dataclass(frozen=True)
class Expected:
    path: str
    count: int
    method: str
    first: tuple[str | None, str | None, int | None]
    last: tuple[str | None, str | None, int | None]
    #: (category, line, row, field) of every issue, in order
    issues: tuple[tuple[type[RecordWarning], int | None, int | None, str | None], ...] = ()
    read_options: dict[str, str] = field(default_factory=dict)


_VALUE = "The Value of Radiologic Interventions and 18 F-DOPA PET in Diagnosing and Localizing Focal Congenital Hyperinsulinism: Systematic Review and Meta-Analysis"
_GENERIC = (("Title of reference", None, 2014), ("The title of the reference", None, 2006))
_SELF_CRITICISM = (
    "The influence of self-criticism on depression symptoms among ambulatory patients with inflammatory bowel disease."
)
_HAPPY_IBD = "Psychological outcomes of a cognitive behavioral therapy for youth with inflammatory bowel disease: Results of the happy-ibd randomized controlled trial at 6- and 12-month follow-up."
_SOIL = "Soil fauna diversity at different stages of reed restoration in a lakeshore wetland at Lake Taihu, China"
_MYOCLONUS = "Myoclonus in older Cavalier King Charles Spaniels."
_SPANIEL = "Microangiography of the humeral condyle in Cocker Spaniel and non-Cocker Spaniel dogs"
_EVIATLAS = ("EviAtlas: a tool for visualising evidence synthesis databases", "10.1186/s13750-019-0167-1", 2019)
_DUPLICATION = (
    "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound",
    "10.4103/2303-9027.138783",
    2014,
)
_ISOLATED = (
    "Completely Isolated Retroperitoneal Enteric Duplication Cyst with Adenocarcinoma Transformation Managed with Robotic Radical Nephrectomy",
    "10.1089/cren.2017.0016",
    2017,
)

EXPECTED = (
    # --- asreview-demo-data ---------------------------------------------------------------------------------------
    Expected("asreview-demo-data/_baseline.ris", 100, "ER",
             (_VALUE, "10.1007/s11307-012-0572-0", 2012),
             ("The effect of intra-arterial angiotensin II on the hepatic tumor to non-tumor blood flow ratio for radioembolization: a systematic review", "10.1016/j.jvir.2013.12.293", 2014)),
    Expected("asreview-demo-data/baseline_empty_values.ris", 4, "ER", ("Title of reference", None, None), (None, None, None)),
    # 61 reference types, the first with an empty "TY  -"
    Expected("asreview-demo-data/baseline_reference_types.ris", 61, "ER", (None, None, None), (None, None, None),
             issues=((M, 1, None, "TY"),)),
    Expected("asreview-demo-data/baseline_tag-notes.ris", 12, "ER", ("Only title", None, None), (None, None, None)),
    Expected("asreview-demo-data/baseline_tag-notes_labels.ris", 32, "ER",
             ('Record which is labeled "relevant" by the researcher using ASReview.', None, None),
             ("Record without a notes field.", None, None)),
    Expected("asreview-demo-data/baseline_tag-notes_zotero.ris", 4, "ER",
             ("Zotero: notes in records come with XHTML tags around them.", None, None),
             ("Zotero: notes in records come with XHTML tags around them.", None, None)),
    # the field names as values: no year in 'Publication Year', no DOI in 'DOI' …; record 2 is the lone UK tag after ER
    Expected("asreview-demo-data/baseline_tag_and_field_definitions.ris", 2, "ER", ("Title", None, None), (None, None, None),
             issues=((M, 65, None, None), (F, 46, None, "PY"), (F, 62, None, "Y1"), (F, 21, None, "DA"),
                     (F, 52, None, "SP"), (F, 23, None, "DO"))),
    Expected("asreview-demo-data/baseline_tag_and_field_definitions_lists.ris", 1, "ER", (None, None, None), (None, None, None)),
    Expected("asreview-demo-data/baseline_zotero.ris", 100, "ER",
             ("An open source machine learning framework for efficient and transparent systematic reviews", "10.1038/s42256-020-00287-7", 2021),
             ("Efficacy and safety of selective glucocorticoid receptor modulators in comparison to glucocorticoids in arthritis, a systematic review", "10.1371/journal.pone.0188810", 2017)),
    # toy "DOIs" 10.1 … 10.7 are not DOIs; whitespace-only titles are empty
    Expected("asreview-demo-data/duplicate_records.csv", 14, "CSV;", ("a", None, None), (None, None, None),
             issues=tuple((F, n, n, "doi") for n in (2, 4, 5, 12, 13, 14, 15))),
    Expected("asreview-demo-data/embase.csv", 6, "CSV,", _DUPLICATION, _ISOLATED),
    Expected("asreview-demo-data/embase.ris", 6, "ER", _DUPLICATION, _ISOLATED),
    Expected("asreview-demo-data/embase_newpage.csv", 6, "CSV,", _DUPLICATION, _ISOLATED),
    Expected("asreview-demo-data/faulty_year.ris", 1, "ER", (_VALUE, None, None), (_VALUE, None, None),
             issues=((F, 3, None, "PY"),)),
    # every row has id 12345: ids by position, one warning
    Expected("asreview-demo-data/generic.csv", 2, "CSV,", *_GENERIC, issues=((D, None, None, None),)),
    Expected("asreview-demo-data/generic_labels.csv", 6, "CSV,", *_GENERIC, issues=((D, None, None, None),)),
    Expected("asreview-demo-data/generic_labels_no_abs.csv", 6, "CSV,", *_GENERIC, issues=((D, None, None, None),)),
    Expected("asreview-demo-data/generic_labels_no_title.csv", 6, "CSV,", (None, None, 2014), (None, None, 2006),
             issues=((D, None, None, None),)),
    Expected("asreview-demo-data/generic_partial_labels.csv", 6, "CSV,", *_GENERIC, issues=((D, None, None, None),)),
    Expected("asreview-demo-data/generic_semicolon.csv", 2, "CSV;", *_GENERIC, issues=((D, None, None, None),)),
    Expected("asreview-demo-data/generic_tab.tsv", 2, "CSV\t", *_GENERIC, issues=((D, None, None, None),)),
    Expected("asreview-demo-data/missing_values.csv", 4, "CSV,", ("Title of reference", None, None), (None, None, None)),
    # Ovid writes "SP  - No" / "EP  - Specified" when it has no pages
    Expected("asreview-demo-data/ovid_psycinfo.ris", 6, "ER", (_SELF_CRITICISM, "10.1002/cpp.2398", 2019),
             (_HAPPY_IBD, "10.1007/s10880-019-09649-9", 2019),
             issues=((F, 16, None, "SP"), (F, 207, None, "SP"), (F, 316, None, "SP"))),
    Expected("asreview-demo-data/ovid_zotero.ris", 6, "ER", (_SELF_CRITICISM, "10.1002/cpp.2398", 2019),
             (_HAPPY_IBD, "10.1007/s10880-019-09649-9", 2019),
             issues=((F, 13, None, "SP"), (F, 84, None, "SP"), (F, 130, None, "SP"))),
    Expected("asreview-demo-data/proquest.ris", 6, "ER",
             ("Predictors of posttraumatic stress symptom trajectories following the fatal 2011 Christchurch, New Zealand earthquake", "10.1002/jts.22387", 2019),
             ("Bayesian PTSD-trajectory analysis with informed priors based on a systematic literature search and expert elicitation", "10.1080/00273171.2017.1412293", 2018)),
    Expected("asreview-demo-data/pubmed_endnote.txt", 6, "ER",
             ("Boswellia serrata: an overall assessment of in vitro, preclinical, pharmacokinetic and clinical data", "10.2165/11586800-000000000-00000", 2011),
             ("Indigo Naturalis Ameliorates Oxazolone-Induced Dermatitis but Aggravates Colitis by Changing the Composition of Gut Microflora", "10.1159/000471923", 2017)),
    Expected("asreview-demo-data/pubmed_zotero.ris", 6, "ER",
             ("The importance of cognitive flexibility and flexibility in coping with stress for the quality of life in inflammatory bowel disease patients during biological therapy. A preliminary report.", "10.5114/pg.2018.81081", 2019),
             ("Efficacy and safety of Tripterygium wilfordii Hook F preparations for the treatment of Crohn disease: A systemic review and meta-analysis protocol.", "10.1097/MD.0000000000016231", 2019)),
    Expected("asreview-demo-data/ris_issue_1099.txt", 7, "ER",
             ("Design and prototyping of directly driven outer rotor permanent magnet generator for small scale wind turbines", "10.15598/aeee.v16i3.2698", 2018),
             ("Influence of the motor load inertia and torque in the fault diagnosis of rotors in induction machines", "10.1109/TLA.2005.1642429", 2005)),
    Expected("asreview-demo-data/ris_issue_992.txt", 19, "ER", ("Overcoming Medication Reconciliation Challenges", None, 2011),
             ("Behavioral health care quality among marketplace insurers in 2019", "10.1176/appi.ps.202000115", 2021)),
    Expected("asreview-demo-data/ris_many_authors.ris", 1, "ER", ("This is the title", None, None), ("This is the title", None, None)),
    Expected("asreview-demo-data/scopus.ris", 6, "ER",
             ("Stress and the brain-gut axis in functional and chronic-inflammatory gastrointestinal diseases: A transdisciplinary challenge", "10.1016/j.psyneuen.2019.104501", 2020),
             ("Role of brain imaging in disorders of brain-gut interaction: A Rome Working Team Report", "10.1136/gutjnl-2019-318308", 2019)),
    Expected("asreview-demo-data/web_of_science.txt", 10, "ER",
             ("Holding Yourself Captive: Perceptions of Custody During Interviews and Interrogations", "10.1016/j.jarmac.2018.03.001", 2018),
             ("On the power of secondary confession evidence", "10.1080/1068316X.2013.777963", 2014)),
    # --- synthesisr-testdata --------------------------------------------------------------------------------------
    Expected("synthesisr-testdata/ASP_ris_example.ris", 4, "ER",
             ("“Living on the edge”: The role of field margins for common vole (Microtus arvalis) populations in recently colonised Mediterranean farmland.", "10.1016/j.agee.2016.06.041", 2016),
             ("2ZGK-6 型可调宽窄行高速水稻插秧机设计与试验.", "10.11975/j.issn.1002-6819.2016.21.005", 2016)),
    Expected("synthesisr-testdata/Ovid_ris_example.ris", 4, "ER",
             ("Detection of retention trees on clearcuts, a 50-year perspective.", "10.4236/ojf.2020.101008", 2020),
             ("Diversity of yard plants in the buffer zone of the Cyclop Nature Reserve, Jayapura City Papua Province, Indonesia.", None, 2019)),
    Expected("synthesisr-testdata/PubMed_example.txt", 3, "PMID",
             ("Differences in nitrate and phosphorus export between wooded and grassed riparian zones from farmland to receiving waterways under varying rainfall conditions.", "10.1016/j.scitotenv.2017.04.075", 2017),
             ("Mulch and groundcover effects on soil temperature and moisture, surface reflectance, grapevine water potential, and vineyard weed management.", "10.7717/peerj.5082", 2018)),
    Expected("synthesisr-testdata/Scopus_bib_example.bib", 3, "BIB", (_SOIL, "10.1080/20964129.2020.1722034", 2020),
             ("Application of Digital Processing in Relic Image Restoration Design", "10.1007/s11220-019-0265-8", 2020)),
    Expected("synthesisr-testdata/Scopus_ris_example.ris", 3, "ER", (_SOIL, "10.1080/20964129.2020.1722034", 2020),
             ("Application of Digital Processing in Relic Image Restoration Design", "10.1007/s11220-019-0265-8", 2020)),
    Expected("synthesisr-testdata/WoS_ciw_example.ciw", 5, "WOS", (_SOIL, "10.1080/20964129.2020.1722034", 2020),
             ("EPO could be regulated by HIF-1 and promote osteogenesis and accelerate bone repair.", "10.1080/21691401.2019.1699827", 2020)),
    Expected("synthesisr-testdata/WoS_txt_example.txt", 4, "WOS", (_SOIL, "10.1080/20964129.2020.1722034", 2020),
             ("miR-324-5p inhibits gallbladder carcinoma cell metastatic behaviours by downregulation of transforming growth factor beta 2 expression.", "10.1080/21691401.2019.1703724", 2020)),
    Expected("synthesisr-testdata/citesource_issue_24.ris", 17, "ER",
             ("Effects of artificial light on bird movement and distribution: a systematic map", "10.1186/s13750-021-00246-8", 2021),
             ("Systematic map of conservation psychology", "10.1111/cobi.13623", 2020)),
    # the tag dictionary is a table, not an export: read as 226 rows without fields, nothing lost
    Expected("synthesisr-testdata/code_lookup.csv", 226, "CSV,", (None, None, None), (None, None, None)),
    Expected("synthesisr-testdata/eviatlas.csv", 1, "CSV,", _EVIATLAS, _EVIATLAS),
    Expected("synthesisr-testdata/eviatlas.tsv", 1, "CSV\t", _EVIATLAS, _EVIATLAS),
    Expected("synthesisr-testdata/eviatlas.txt", 1, "ER", _EVIATLAS, _EVIATLAS),
    Expected("synthesisr-testdata/litsearchr.txt", 1, "BIB",
             ("An automated approach to identifying search terms for systematic reviews using keyword co-occurrence networks", None, 2019),
             ("An automated approach to identifying search terms for systematic reviews using keyword co-occurrence networks", None, 2019)),
    Expected("synthesisr-testdata/res_synth_methods.txt", 2, "PMID",
             ("Risk-Of-Bias VISualization (robvis): an R package and Shiny web app for visualizing risk-of-bias assessments.", "10.1002/jrsm.1411", 2020),
             ("revtools: An R package to support article screening for evidence synthesis.", "10.1002/jrsm.1374", 2019)),
    Expected("synthesisr-testdata/scopus_extdata.ris", 92, "ER",
             ("Black-backed woodpecker occupancy in burned and beetle-killed forests: Disturbance agent matters", "10.1016/j.foreco.2019.117694", 2020),
             ("Foraging behavior of black-backed and three-toed woodpeckers during spring and summer in a Canadian boreal forest", "10.1139/z94-266", 1994)),
    Expected("synthesisr-testdata/zoorec_wos_tagged.txt", 134, "WOS",
             ("Nest site selection and nest survival of Black-backed Woodpeckers after wildfire.", None, 2019),
             ("A review of the Three-toed Woodpeckers of North America.", None, 1900)),
    # --- asysd ----------------------------------------------------------------------------------------------------
    Expected("asysd/format-fixtures/mendeley_export.xml.gz", 1233, "XML", (_MYOCLONUS, "10.1111/jvim.16404", 2022),
             ("Heart disease as a cause of death in insured Swedish dogs younger than 10 years of age.", "10.1892/0891-6640(2006)20[894:hdaaco]2.0.co;2", 2006)),
    Expected("asysd/format-fixtures/ris_export.txt", 69, "ER",
             ("Altered metabolism of familial Alzheimer's disease-linked amyloid precursor protein variants in yeast artificial chromosome transgenic mice", "10.1093/hmg/6.9.1535", 1997),
             ("The amyloid precursor protein: beyond amyloid", "10.1186/1750-1326-1-5", 2006)),
    Expected("asysd/format-fixtures/scopus.ris", 10, "ER",
             ("Development and Validation of a Robust and Straightforward LC-MS Method for Measuring Taurine in Whole Blood and Plasma of Dogs and Reference Intervals Calculation", "10.3390/ani15010003", 2025),
             ("Exocrine pancreatic inflammation in canine diabetes mellitus – An active offender?", "10.1016/j.tvjl.2024.106241", 2024)),
    # "DOI 1" … are placeholders, not DOIs
    Expected("asysd/format-fixtures/test_export.bib", 3, "BIB", ("Title 1", None, 2020), ("Title 3", None, 2022),
             issues=((F, 8, None, "doi"), (F, 28, None, "doi"), (F, 48, None, "doi"))),
    Expected("asysd/format-fixtures/test_export.csv", 3, "CSV,", ("Title 1", None, 2020), ("Title 3", None, 2022),
             issues=((F, 2, 2, "DOI"), (F, 3, 3, "DOI"), (F, 4, 4, "DOI"))),
    Expected("asysd/format-fixtures/test_export.ris", 3, "ER", ("Title 1", None, 2020), ("Title 3", None, 2022),
             issues=((F, 7, None, "DO"), (F, 24, None, "DO"), (F, 41, None, "DO"))),
    Expected("asysd/format-fixtures/test_export.txt", 3, "CSV\t", ("Title 1", None, 2020), ("Title 3", None, 2022),
             issues=((F, 2, 2, "DOI"), (F, 3, 3, "DOI"), (F, 4, 4, "DOI"))),
    Expected("asysd/format-fixtures/wos_test.ris", 50, "ER", (_SPANIEL, None, 1999),
             ("Gallbladder mucocele in a 12-year-old cocker spaniel", None, 2011)),
    Expected("asysd/format-fixtures/zotero_export.bib.gz", 1000, "BIB", (_SPANIEL, None, 1999),
             ("Radiographic diagnosis-paraspinal abscess in a dog", "10.1111/j.1740-8261.2005.00004.x", 2005)),
    Expected("asysd/format-fixtures/zotero_export.csv.gz", 1233, "CSV,", (_MYOCLONUS, "10.1111/jvim.16404", 2022),
             ("Virtual Histology of Cortical Thickness and Shared Neurobiology in 6 Psychiatric Disorders.", "10.1001/jamapsychiatry.2020.2694", 2021)),
    Expected("asysd/format-fixtures/zotero_export.ris.gz", 1000, "ER", (_SPANIEL, None, 1999),
             ("Radiographic diagnosis-paraspinal abscess in a dog", "10.1111/j.1740-8261.2005.00004.x", 2005)),
    Expected("asysd/format-fixtures/zotero_export.xml.gz", 1233, "XML", (_MYOCLONUS, "10.1111/jvim.16404", 2022),
             ("Virtual Histology of Cortical Thickness and Shared Neurobiology in 6 Psychiatric Disorders.", "10.1001/jamapsychiatry.2020.2694", 2021)),
    # Latin-1 bytes from line 4 on; "http://dx.doi.org/10.231/..." has a 3-digit prefix, not a DOI
    Expected("asysd/labelled_test_set_diabetes.csv.gz", 1845, "CSV,latin-1",
             ("Intestinal lipoprotein overproduction in insulin-resistant states", "10.1097/MOL.0b013e3282ffaf82", 2008),
             ("Neuropeptide Y: A new mediator linking sympathetic nerves blood vessels and immune system?", "10.1139/y03-006", 2003),
             issues=((DecodingWarning, 4, None, None), (F, 193, 160, "doi"), (F, 194, 161, "doi"))),
)  # fmt: skip


def count_independently(path: str, method: str) -> int:
    """Count records without the readers: marker lines, XML elements, pandas rows."""
    data = benchmark(path).read_bytes()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    if method.startswith("CSV"):
        sep, _, encoding = method[3:].partition(",") if method[3:] != "," else (",", "", "")
        frame = pd.read_csv(
            benchmark(path), sep=sep or ",", encoding=encoding or "utf-8", dtype=str, keep_default_na=False
        )
        return int(frame.apply(lambda row: any(cell.strip() for cell in row), axis=1).sum())
    text = data.decode("utf-8", errors="replace")
    lines = [line.lstrip("\ufeff") for line in re.split(r"\r\n|\r|\n", text)]
    if method == "ER":
        return sum(1 for line in lines if line.startswith("ER  -"))
    if method == "PMID":
        return sum(1 for line in lines if line.startswith("PMID-"))
    if method == "WOS":
        return sum(1 for line in lines if line.rstrip() == "ER")
    if method == "BIB":
        return sum(1 for line in lines if re.match(r"\s*@(?!comment|string|preamble)\w+\{", line, re.IGNORECASE))
    if method == "XML":
        return text.count("<record>")
    raise AssertionError(method)


@pytest.mark.parametrize("expected", EXPECTED, ids=[e.path.split("/")[-1] for e in EXPECTED])
def test_export_is_read_completely(expected: Expected) -> None:
    records = read(benchmark(expected.path), on_issue="collect")
    assert count_independently(expected.path, expected.method) == expected.count
    assert len(records) == expected.count
    first, last = records[0], records[-1]
    assert (first.title, first.doi, first.year) == expected.first
    assert (last.title, last.doi, last.year) == expected.last
    found = [(i.category, i.line, i.row, i.field) for i in records.issues]
    assert found == list(expected.issues)
    assert len(set(records.ids)) == len(records)
    assert [r.index for r in records] == list(range(1, expected.count + 1))


def test_all_benchmark_export_files_are_covered() -> None:
    """A new file in the benchmark folders must get a row above."""
    listed = {e.path for e in EXPECTED}
    for folder in ("asreview-demo-data", "synthesisr-testdata", "asysd/format-fixtures"):
        for path in benchmark(folder).iterdir():
            if path.name != "SOURCE.md":
                assert f"{folder}/{path.name}" in listed, path.name


def test_issues_are_warnings_when_asked() -> None:
    with pytest.warns(FieldValueWarning, match=r"faulty_year\.ris: line 3: field 'PY': no year in '10 15'"):
        records = read(benchmark("asreview-demo-data/faulty_year.ris"))
    assert len(records) == 1
    assert records[0].get("PY") == ("10 15",)
