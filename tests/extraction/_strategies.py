"""Hypothesis strategies for extraction data: every value type, provenance, the texts that need escaping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

from sysreview.extraction import (
    NA,
    NR,
    STATS,
    Arm,
    Datum,
    Extraction,
    FieldSpec,
    Form,
    OutcomeRecord,
    Provenance,
    Resolution,
    Study,
    Value,
)

# printable text with line breaks inside, as a reviewer may paste it; no control characters (.xlsx cannot hold them)
_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\u2028\u2029\x85\ufffe\uffff")
#: texts that read as something else unless written with care
TRICKY = ("NR", "na", "N/A", "not reported", "12", "-3.5", "1E+2", "true", "No", "2020-01-02", "a; b", "\\x", "\\",
          "=SUM(A1)", "@home", "'quoted", "0.10", "−4")  # fmt: skip


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


texts = (
    st.sampled_from([t for t in TRICKY if t != "\\"])
    | st.text(_CHARS, min_size=1, max_size=12).map(_clean).filter(bool)
    | st.lists(st.text(_CHARS, min_size=1, max_size=6).map(_clean).filter(bool), min_size=2, max_size=3).map("\n".join)
)
names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._()+-]{0,10}", fullmatch=True).map(str.strip).filter(bool)


@st.composite
def decimals(draw: st.DrawFn) -> Decimal:
    """Numbers as reported: integers, 1–6 decimals (trailing zeros kept), large and tiny exponents, long digits."""
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return Decimal(draw(st.integers(-(10**9), 10**9)))
    if kind == 1:
        places = draw(st.integers(1, 6))
        return Decimal(draw(st.integers(-(10**7), 10**7))).scaleb(-places)
    if kind == 2:
        return Decimal(draw(st.integers(1, 99))).scaleb(draw(st.integers(1, 9)))  # 2E+7
    if kind == 3:
        return Decimal(draw(st.integers(10**15, 10**18))).scaleb(-draw(st.integers(0, 20)))  # beyond 15 digits
    value = Decimal(draw(st.integers(0, 999))).scaleb(-draw(st.integers(1, 3)))
    return value.copy_abs() if value.is_zero() else value


choices_of = {
    "text": lambda spec: texts,
    "integer": lambda spec: st.integers(-5, 10**6).map(Decimal),
    "number": lambda spec: decimals(),
    "choice": lambda spec: st.sampled_from(spec.choices),
    "multi-choice": lambda spec: st.lists(st.sampled_from(spec.choices), min_size=1, max_size=3, unique=True).map(
        tuple
    ),
    "boolean": lambda spec: st.booleans(),
    "date": lambda spec: st.dates(dt.date(1900, 3, 1), dt.date(2100, 12, 31)),
}


def field_values(spec: FieldSpec) -> st.SearchStrategy[Value]:
    """Values a field can hold: of its type, NR/NA, or text that does not read as its type (kept for validation)."""
    typed = choices_of[spec.type](spec)
    return st.one_of(typed, typed, st.sampled_from([NR, NA]), texts)


provenances = st.builds(
    Provenance,
    source=st.none() | texts,
    table=st.none() | texts,
    page=st.none() | st.sampled_from(["4", "S2", "e7–e13", "12"]),
    row=st.none() | texts,
    note=st.none() | texts,
)


def _stat_values(name: str) -> st.SearchStrategy[Value]:
    kind = STATS[name].kind
    if kind == "text":
        return st.sampled_from(["MD", "SMD", "RR", "OR", "HR"]) | st.just(NR)
    if kind == "integer":
        return st.integers(0, 5000).map(Decimal) | st.just(NR)
    return decimals() | st.just(NR) | st.sampled_from(["NS", "24.7 ± NS"])


@st.composite
def records(draw: st.DrawFn, arms: list[str]) -> OutcomeRecord:
    chosen = draw(st.lists(st.sampled_from(list(STATS)), min_size=1, max_size=5, unique=True))
    comparator = draw(st.none() | st.sampled_from(arms)) if len(arms) > 1 else None
    arm = draw(st.sampled_from(arms))
    if comparator == arm:
        comparator = None
    timepoint = draw(st.sampled_from(["baseline", "10 weeks", "12 months", "end of treatment"]))
    basis = "final" if timepoint == "baseline" else draw(st.sampled_from(["final", "change"]))
    return OutcomeRecord(
        outcome=draw(st.sampled_from(["ecca", "satisfaction", "healing_time", "custom outcome"])),
        arm=arm,
        comparator=comparator,
        timepoint=timepoint,
        basis=basis,
        stats={name: draw(_stat_values(name)) for name in chosen},
        provenance=draw(provenances),
    )


@st.composite
def studies(draw: st.DrawFn, form: Form, study_id: str) -> Study:
    specs = draw(st.lists(st.sampled_from(form.study_fields), max_size=6, unique_by=lambda s: s.name))
    values = {spec.name: Datum(value=draw(field_values(spec)), provenance=draw(provenances)) for spec in specs}
    if draw(st.booleans()):
        values["not_in_the_form"] = Datum(value=draw(decimals() | texts))
    arm_ids = draw(st.lists(names, min_size=0, max_size=3, unique=True))
    arms = []
    for arm_id in arm_ids:
        arm_specs = draw(st.lists(st.sampled_from(form.arm_fields), max_size=4, unique_by=lambda s: s.name))
        arms.append(
            Arm(
                arm=arm_id,
                role=draw(st.sampled_from(["intervention", "control"])),
                label=draw(st.none() | texts),
                values={s.name: Datum(value=draw(field_values(s)), provenance=draw(provenances)) for s in arm_specs},
                provenance=draw(provenances),
            )
        )
    outcome_records = []
    if arm_ids:
        seen = set()
        for record in draw(st.lists(records(arm_ids), max_size=4)):
            if record.key not in seen:
                seen.add(record.key)
                outcome_records.append(record)
    return Study(
        study=study_id,
        label=draw(st.none() | texts),
        note=draw(st.none() | texts),
        values=values,
        arms=tuple(arms),
        outcomes=tuple(outcome_records),
    )


@st.composite
def extractions(draw: st.DrawFn, form: Form) -> Extraction:
    ids = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    resolutions = draw(
        st.lists(
            st.builds(
                Resolution,
                key=st.sampled_from(["1/age_mean", "1/arm:a/n_randomised", "3/outcome:ecca/a/12 months/final/mean"]),
                choice=st.sampled_from(["first", "second"]),
                by=names,
                reason=texts,
                first=st.none() | decimals(),
                second=st.none() | decimals(),
                value=st.none() | decimals(),
            ),
            max_size=2,
        )
    )
    return Extraction(
        form=form.name,
        form_version=form.version,
        extractor=draw(st.none() | names),
        studies=tuple(draw(studies(form, study_id)) for study_id in ids),
        resolutions=tuple(resolutions),
    )
