"""PRISMA 2020 flow diagram counts, derived from the store at any moment, in the PRISMA2020 template's fields.

The fields are those of the PRISMA2020 R package's ``PRISMA.csv`` (``data`` column), with the same meaning:

- identification: records per kind of source (``database_results`` … ``citations_results``) and per database;
  ``duplicates`` removed (database and register records whose duplicate group removes them);
- screening (databases and registers): ``records_screened`` are the records with a final title/abstract decision,
  ``records_excluded`` those excluded; the included ones are the reports sought (``dbr_sought_reports``), of which
  ``dbr_notretrieved_reports`` could not be obtained, ``dbr_assessed`` were assessed at full text and
  ``dbr_excluded`` excluded, counted by reason;
- other methods: every record not removed as a duplicate is a report sought (``other_sought_reports``), and so on;
- included: ``new_reports`` included at full text, ``new_studies`` the same until reports are linked to studies
  (extraction), ``total_*`` adding the previous version's from the protocol's ``[update]``.

Work in progress is not hidden in the boxes: records awaiting a title/abstract decision, reports awaiting
assessment and duplicate records found by other methods are in :attr:`Prisma.extra`, so that the counts add up
at every moment (see :meth:`Prisma.identities`).

References
----------
Page MJ, McKenzie JE, Bossuyt PM, et al. (2021). The PRISMA 2020 statement: an updated guideline for reporting
systematic reviews. BMJ 372:n71. doi:10.1136/bmj.n71
Haddaway NR, Page MJ, Pritchard CC, McGuinness LA (2022). PRISMA2020: An R package and Shiny app for producing
PRISMA 2020-compliant flow diagrams. Campbell Systematic Reviews 18:e1230. doi:10.1002/cl2.1230
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, fields
from importlib import resources
from typing import Any, Final

from sysreview.project._protocol import OTHER_KINDS, Update
from sysreview.project._state import ReviewState

__all__ = ["PRISMA_FIELDS", "Prisma", "prisma_counts"]

#: the count fields of the PRISMA2020 template, in its order (its box-title rows ``identification``, ``screening``
#: and ``included`` hold no count)
PRISMA_FIELDS: Final[tuple[str, ...]] = (
    "previous_studies",
    "previous_reports",
    "database_results",
    "database_specific_results",
    "register_results",
    "register_specific_results",
    "website_results",
    "organisation_results",
    "citations_results",
    "duplicates",
    "excluded_automatic",
    "excluded_other",
    "records_screened",
    "records_excluded",
    "dbr_sought_reports",
    "dbr_notretrieved_reports",
    "other_sought_reports",
    "other_notretrieved_reports",
    "dbr_assessed",
    "dbr_excluded",
    "other_assessed",
    "other_excluded",
    "new_studies",
    "new_reports",
    "total_studies",
    "total_reports",
    "total_studies_ma",
    "total_reports_ma",
)

Breakdown = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Prisma:
    """PRISMA 2020 counts (field names of the PRISMA2020 template) and the work still in progress."""

    previous_studies: int
    previous_reports: int
    database_results: int
    database_specific_results: Breakdown
    """(database, records) per database, in order of first import."""
    register_results: int
    register_specific_results: Breakdown
    website_results: int
    organisation_results: int
    citations_results: int
    duplicates: int
    excluded_automatic: int
    """Records excluded by automation tools: none (sysreview does not exclude records on its own)."""
    excluded_other: int
    """Records removed before screening for other reasons: none (sysreview removes only duplicates)."""
    records_screened: int
    records_excluded: int
    dbr_sought_reports: int
    dbr_notretrieved_reports: int
    other_sought_reports: int
    other_notretrieved_reports: int
    dbr_assessed: int
    dbr_excluded: Breakdown
    """(reason, reports) per full-text exclusion reason, most frequent first."""
    other_assessed: int
    other_excluded: Breakdown
    new_studies: int
    new_reports: int
    total_studies: int
    total_reports: int
    total_studies_ma: int | None
    """Studies in a meta-analysis: not known from screening (None)."""
    total_reports_ma: int | None
    extra: dict[str, int]
    """Counts outside the template that make the boxes add up while the review is in progress:
    ``records_awaiting_screening``, ``title_abstract_conflicts``, ``dbr_awaiting_assessment``,
    ``other_awaiting_assessment``, ``full_text_conflicts``, ``dbr_included``, ``other_included``,
    ``other_duplicates`` (duplicates among records found by other methods) and ``duplicate_groups_awaiting``
    (uncertain groups no one has judged; they remove nothing yet)."""

    def to_dict(self) -> dict[str, Any]:
        """The template's fields in its order (breakdowns as lists of ``{"name"/"reason", "n"}``), then ``extra``."""
        data: dict[str, Any] = {}
        for name in PRISMA_FIELDS:
            value = getattr(self, name)
            if name.endswith("_specific_results"):
                value = [{"name": source, "n": n} for source, n in value]
            elif name.endswith("_excluded") and name != "records_excluded":
                value = [{"reason": reason, "n": n} for reason, n in value]
            data[name] = value
        data["extra"] = dict(self.extra)
        return data

    def identities(self) -> dict[str, tuple[int, int]]:
        """Each sum the flow diagram implies, as (left side, right side); equal at every moment."""
        x = self.extra
        return {
            "identified = duplicates + removed + screened + awaiting": (
                self.database_results + self.register_results,
                self.duplicates
                + self.excluded_automatic
                + self.excluded_other
                + self.records_screened
                + x["records_awaiting_screening"],
            ),
            "database results = sum over databases": (
                self.database_results,
                sum(n for _, n in self.database_specific_results),
            ),
            "register results = sum over registers": (
                self.register_results,
                sum(n for _, n in self.register_specific_results),
            ),
            "screened = excluded + sought": (self.records_screened, self.records_excluded + self.dbr_sought_reports),
            "sought = not retrieved + assessed + awaiting (databases and registers)": (
                self.dbr_sought_reports,
                self.dbr_notretrieved_reports + self.dbr_assessed + x["dbr_awaiting_assessment"],
            ),
            "assessed = excluded + included (databases and registers)": (
                self.dbr_assessed,
                sum(n for _, n in self.dbr_excluded) + x["dbr_included"],
            ),
            "other results = duplicates + sought": (
                self.website_results + self.organisation_results + self.citations_results,
                x["other_duplicates"] + self.other_sought_reports,
            ),
            "sought = not retrieved + assessed + awaiting (other methods)": (
                self.other_sought_reports,
                self.other_notretrieved_reports + self.other_assessed + x["other_awaiting_assessment"],
            ),
            "assessed = excluded + included (other methods)": (
                self.other_assessed,
                sum(n for _, n in self.other_excluded) + x["other_included"],
            ),
            "new reports = included from both": (self.new_reports, x["dbr_included"] + x["other_included"]),
            "total studies = previous + new": (self.total_studies, self.previous_studies + self.new_studies),
            "total reports = previous + new": (self.total_reports, self.previous_reports + self.new_reports),
        }

    def to_csv(self) -> str:
        """The PRISMA2020 template (``PRISMA.csv``) with these counts in its ``n`` column, for the R package."""
        template = resources.files("sysreview.project").joinpath("data/PRISMA2020_template.csv")
        rows = list(csv.reader(io.StringIO(template.read_text(encoding="utf-8"))))
        header, body = rows[0], rows[1:]
        data_column, n_column = header.index("data"), header.index("n")
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name in PRISMA_FIELDS}
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for row in body:
            name = row[data_column]
            if name in values:
                row[n_column] = _csv_value(values[name])
            writer.writerow(row)
        return out.getvalue()

    def summary(self) -> str:
        """The counts as the boxes of the flow diagram, in plain text."""
        x = self.extra
        lines = ["Identification"]
        lines.append(f"  records from databases: {self.database_results}")
        lines.extend(f"    {name}: {n}" for name, n in self.database_specific_results)
        lines.append(f"  records from registers: {self.register_results}")
        lines.extend(f"    {name}: {n}" for name, n in self.register_specific_results)
        lines.append(
            f"  other methods: websites {self.website_results}, organisations {self.organisation_results}, "
            f"citation searching {self.citations_results}"
        )
        lines.append(f"  duplicate records removed: {self.duplicates}")
        lines.append(f"  records removed by automation tools: {self.excluded_automatic}, for other reasons: "
                     f"{self.excluded_other}")  # fmt: skip
        lines.append("Screening (databases and registers)")
        lines.append(f"  records screened: {self.records_screened}")
        lines.append(f"  records excluded: {self.records_excluded}")
        lines.append(f"  reports sought for retrieval: {self.dbr_sought_reports}")
        lines.append(f"  reports not retrieved: {self.dbr_notretrieved_reports}")
        lines.append(f"  reports assessed for eligibility: {self.dbr_assessed}")
        lines.append(f"  reports excluded: {sum(n for _, n in self.dbr_excluded)}")
        lines.extend(f"    {reason}: {n}" for reason, n in self.dbr_excluded)
        lines.append("Other methods")
        lines.append(f"  reports sought for retrieval: {self.other_sought_reports}")
        lines.append(f"  reports not retrieved: {self.other_notretrieved_reports}")
        lines.append(f"  reports assessed for eligibility: {self.other_assessed}")
        lines.append(f"  reports excluded: {sum(n for _, n in self.other_excluded)}")
        lines.extend(f"    {reason}: {n}" for reason, n in self.other_excluded)
        lines.append("Included")
        lines.append(f"  new studies: {self.new_studies} (reports: {self.new_reports})")
        lines.append(f"  total studies: {self.total_studies} (reports: {self.total_reports})")
        pending = [
            (x["records_awaiting_screening"], "records await a title/abstract decision"),
            (x["title_abstract_conflicts"], "of them in conflict at title/abstract"),
            (x["dbr_awaiting_assessment"] + x["other_awaiting_assessment"], "reports await full-text assessment"),
            (x["full_text_conflicts"], "of them in conflict at full text"),
            (x["duplicate_groups_awaiting"], "uncertain duplicate groups await a person's verdict"),
            (x["other_duplicates"], "duplicates among records found by other methods (not in the template)"),
        ]
        shown = [f"  {n} {what}" for n, what in pending if n]
        if shown:
            lines.append("In progress")
            lines.extend(shown)
        return "\n".join(lines)


def _csv_value(value: Any) -> str:
    if value is None:
        return "NA"
    if isinstance(value, tuple):
        if not value:
            return "0"
        return "; ".join(f"{name}, {n}" for name, n in value)
    return str(value)


def _breakdown(counter: Counter[str], order: list[str] | None = None) -> Breakdown:
    if order is not None:
        return tuple((name, counter[name]) for name in order if counter[name])
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def prisma_counts(state: ReviewState, update: Update | None = None) -> Prisma:
    """The PRISMA 2020 counts of a review state (``update``: the previous version's studies and reports)."""
    update = update if update is not None else Update()
    removed = state.removed
    kinds: Counter[str] = Counter()
    databases: Counter[str] = Counter()
    registers: Counter[str] = Counter()
    source_order: list[str] = []
    dbr_duplicates = other_duplicates = 0
    ta: Counter[str] = Counter()
    ft: dict[str, Counter[str]] = {"dbr": Counter(), "other": Counter()}
    excluded: dict[str, Counter[str]] = {"dbr": Counter(), "other": Counter()}
    for info in state.records:
        kinds[info.kind] += 1
        if info.source not in source_order:
            source_order.append(info.source)
        if info.kind == "database":
            databases[info.source] += 1
        elif info.kind == "register":
            registers[info.source] += 1
        branch = "other" if info.kind in OTHER_KINDS else "dbr"
        if info.key in removed:
            if branch == "dbr":
                dbr_duplicates += 1
            else:
                other_duplicates += 1
            continue
        if branch == "dbr":
            status = state.screening.status(info.key, "title_abstract")
            ta[status] += 1
            if status != "included":
                continue
        entry = state.screening.get(info.key, "full_text")
        ft[branch][entry.status] += 1
        if entry.status == "excluded":
            excluded[branch][entry.reason or "no reason given"] += 1
    ta_final = ta["included"] + ta["excluded"]
    dbr_sought = ta["included"]
    other_sought = sum(ft["other"].values())
    dbr_assessed = ft["dbr"]["included"] + ft["dbr"]["excluded"]
    other_assessed = ft["other"]["included"] + ft["other"]["excluded"]
    new_reports = ft["dbr"]["included"] + ft["other"]["included"]
    new_studies = new_reports
    return Prisma(
        previous_studies=update.previous_studies,
        previous_reports=update.previous_reports,
        database_results=kinds["database"],
        database_specific_results=_breakdown(databases, source_order),
        register_results=kinds["register"],
        register_specific_results=_breakdown(registers, source_order),
        website_results=kinds["website"],
        organisation_results=kinds["organisation"],
        citations_results=kinds["citations"],
        duplicates=dbr_duplicates,
        excluded_automatic=0,
        excluded_other=0,
        records_screened=ta_final,
        records_excluded=ta["excluded"],
        dbr_sought_reports=dbr_sought,
        dbr_notretrieved_reports=ft["dbr"]["not_retrieved"],
        other_sought_reports=other_sought,
        other_notretrieved_reports=ft["other"]["not_retrieved"],
        dbr_assessed=dbr_assessed,
        dbr_excluded=_breakdown(excluded["dbr"]),
        other_assessed=other_assessed,
        other_excluded=_breakdown(excluded["other"]),
        new_studies=new_studies,
        new_reports=new_reports,
        total_studies=update.previous_studies + new_studies,
        total_reports=update.previous_reports + new_reports,
        total_studies_ma=None,
        total_reports_ma=None,
        extra={
            "records_awaiting_screening": sum(ta.values()) - ta_final,
            "title_abstract_conflicts": ta["conflict"],
            "dbr_awaiting_assessment": dbr_sought - ft["dbr"]["not_retrieved"] - dbr_assessed,
            "other_awaiting_assessment": other_sought - ft["other"]["not_retrieved"] - other_assessed,
            "full_text_conflicts": ft["dbr"]["conflict"] + ft["other"]["conflict"],
            "dbr_included": ft["dbr"]["included"],
            "other_included": ft["other"]["included"],
            "other_duplicates": other_duplicates,
            "duplicate_groups_awaiting": len(state.dedup.awaiting),
        },
    )
