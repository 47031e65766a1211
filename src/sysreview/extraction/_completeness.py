"""Reporting completeness of the interventions: each study's status on each item of the form (TIDieR and the like).

Seed 001 appraised how completely its studies reported cell dose, processing, adjunct procedures and outcome
assessment (its Supplementary Table S2). Here the form's ``[[completeness]]`` items name the fields that report
each item; a study's status on an item follows from those fields in the study (study fields) and in its arms of
the item's roles (arm fields, the intervention arms by default):

- ``reported``: every field has a value;
- ``partly``: some fields have a value, others are NR or not extracted;
- ``not reported``: no field has a value and at least one is NR;
- ``not extracted``: no field has anything yet;
- ``not applicable``: every field is NA (or the study has no arm of the item's roles).

References
----------
Hoffmann TC, Glasziou PP, Boutron I, et al. (2014). Better reporting of interventions: template for
intervention description and replication (TIDieR) checklist and guide. BMJ 348:g1687.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sysreview.extraction._data import Extraction, Study
from sysreview.extraction._form import CompletenessItem, Form
from sysreview.extraction._values import NA, NR

__all__ = ["STATUSES", "CompletenessCell", "CompletenessReport", "ItemSummary", "reporting_completeness"]

#: a study's status on an item, from best to worst reported
STATUSES: Final = ("reported", "partly", "not reported", "not extracted", "not applicable")
_SHORT: Final = {
    "reported": "yes",
    "partly": "partly",
    "not reported": "no",
    "not extracted": "?",
    "not applicable": "NA",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class CompletenessCell:
    """One study on one item: the status, and which fields (``arm 'x': name``) are reported, NR, or not extracted."""

    study: str
    item: str
    status: str
    reported: tuple[str, ...]
    not_reported: tuple[str, ...]
    not_extracted: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "item": self.item,
            "status": self.status,
            "reported": list(self.reported),
            "not_reported": list(self.not_reported),
            "not_extracted": list(self.not_extracted),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemSummary:
    """How many studies have each status on one item; ``percent_reported`` is of the studies assessed."""

    item: str
    name: str
    counts: dict[str, int]

    @property
    def assessed(self) -> int:
        """Studies whose status is known (reported, partly or not reported)."""
        return sum(self.counts[s] for s in ("reported", "partly", "not reported"))

    @property
    def percent_reported(self) -> float | None:
        """Percentage of the assessed studies that report the item fully (None when none was assessed)."""
        return None if not self.assessed else 100 * self.counts["reported"] / self.assessed

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "name": self.name,
            "counts": dict(self.counts),
            "assessed": self.assessed,
            "percent_reported": self.percent_reported,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CompletenessReport:
    """Every study's status on every completeness item of the form, and a summary per item."""

    form: str
    studies: tuple[str, ...]
    items: tuple[CompletenessItem, ...]
    cells: tuple[CompletenessCell, ...]

    def cell(self, study: str, item: str) -> CompletenessCell:
        for cell in self.cells:
            if cell.study == study and cell.item == item:
                return cell
        raise KeyError((study, item))

    def summary(self) -> tuple[ItemSummary, ...]:
        out = []
        for item in self.items:
            counts = dict.fromkeys(STATUSES, 0)
            for cell in self.cells:
                if cell.item == item.item:
                    counts[cell.status] += 1
            out.append(ItemSummary(item=item.item, name=item.name, counts=counts))
        return tuple(out)

    def table(self) -> str:
        """A text table: items down, studies across (yes / partly / no / ? / NA), and the percentage reported."""
        width = max([len("item"), *(len(f"{i.item} {i.name}") for i in self.items)])
        widths = [max(len(s), 6) for s in self.studies]
        head = f"{'item':<{width}}  " + " ".join(f"{s:>{w}}" for s, w in zip(self.studies, widths, strict=True))
        lines = [head + "  reported"]
        for item, summary in zip(self.items, self.summary(), strict=True):
            marks = [_SHORT[self.cell(s, item.item).status] for s in self.studies]
            share = "-" if summary.percent_reported is None else f"{summary.percent_reported:.0f}%"
            label = f"{item.item} {item.name}"
            lines.append(
                f"{label:<{width}}  "
                + " ".join(f"{m:>{w}}" for m, w in zip(marks, widths, strict=True))
                + f"  {share} of {summary.assessed}"
            )
        lines.append("yes: reported; partly; no: not reported (NR); ?: not extracted; NA: not applicable")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "studies": list(self.studies),
            "items": [item.to_dict() for item in self.items],
            "summary": [s.to_dict() for s in self.summary()],
            "cells": [cell.to_dict() for cell in self.cells],
        }


def _cell(study: Study, item: CompletenessItem) -> CompletenessCell:
    reported: list[str] = []
    not_reported: list[str] = []
    not_extracted: list[str] = []
    not_applicable = 0
    slots = 0
    for reference in item.fields:
        level, _, name = reference.partition(".")
        places = (
            [(name, study.values.get(name))]
            if level == "study"
            else [(f"arm '{arm.arm}': {name}", arm.values.get(name)) for arm in study.arms if arm.role in item.roles]
        )
        for label, datum in places:
            slots += 1
            if datum is None:
                not_extracted.append(label)
            elif datum.value is NA:
                not_applicable += 1
            elif datum.value is NR:
                not_reported.append(label)
            else:
                reported.append(label)
    if slots == not_applicable:
        status = "not applicable"
    elif reported and not not_reported and not not_extracted:
        status = "reported"
    elif reported:
        status = "partly"
    elif not_reported:
        status = "not reported"
    else:
        status = "not extracted"
    return CompletenessCell(
        study=study.study,
        item=item.item,
        status=status,
        reported=tuple(reported),
        not_reported=tuple(not_reported),
        not_extracted=tuple(not_extracted),
    )


def reporting_completeness(data: Extraction, form: Form) -> CompletenessReport:
    """Each study's reporting of each completeness item of ``form`` (see the module documentation)."""
    return CompletenessReport(
        form=form.name,
        studies=tuple(study.study for study in data.studies),
        items=form.completeness,
        cells=tuple(_cell(study, item) for item in form.completeness for study in data.studies),
    )
