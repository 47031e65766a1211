"""Hypothesis strategies for deduplication: small searches where studies appear several times, formatted
differently, beside near misses (errata, other years, other DOIs)."""

from __future__ import annotations

from hypothesis import strategies as st

from sysreview.records import Record

_TITLES = (
    "Effect of exercise training on depressive symptoms in older adults",
    "Metformin and glycaemic control in patients with type 2 diabetes: a randomised trial",
    "Acupuncture for chronic low back pain",
    "Early mobilisation after hip fracture surgery",
    "Vitamin D supplementation and falls in nursing home residents",
    "Editorial",
)
_SURNAMES = ("Smith", "Wang", "Müller", "García", "van der Berg", "O'Brien")


@st.composite
def study_records(draw: st.DrawFn, max_records: int = 10) -> list[Record]:
    """Records of a few studies, each exported one to three times with formatting differences and near misses."""
    n = draw(st.integers(1, max_records))
    records: list[Record] = []
    for k in range(n):
        title = draw(st.sampled_from(_TITLES))
        variant = draw(st.integers(0, 5))
        if variant == 1:
            title = title.upper()
        elif variant == 2:
            title = title.replace("randomised", "randomized").replace("glycaemic", "glycemic") + " [Chinese]"
        elif variant == 3:
            title = "Erratum: " + title
        elif variant == 4:
            title = title.split(":")[0] + ". Part " + draw(st.sampled_from(("1", "2")))
        authors = tuple(draw(st.lists(st.sampled_from(_SURNAMES), min_size=0, max_size=3, unique=True)))
        style = draw(st.booleans())
        names = tuple(f"{s}, J." if style else f"{s} J" for s in authors)
        doi = draw(st.one_of(st.none(), st.sampled_from(("10.1000/a1", "10.1000/A1", "https://doi.org/10.1000/b2"))))
        records.append(
            Record(
                id=f"r{k}",
                title=title,
                authors=names,
                year=draw(st.one_of(st.none(), st.integers(2010, 2013))),
                journal=draw(st.sampled_from(("Journal of Clinical Oncology", "J Clin Oncol", "Stroke", None))),
                volume=draw(st.sampled_from(("12", "13", None))),
                pages=draw(st.sampled_from(("123-9", "123-129", "45-50", None))),
                doi=doi,
                type=draw(st.sampled_from(("JOUR", "CONF", None))),
            )
        )
    return records
