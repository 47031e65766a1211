"""Data extraction: forms, extracted data with provenance, validation, double extraction, effect sizes, reporting.

- A :class:`Form` (a TOML file; :func:`default_form` covers seed 001's items for regenerative dermatology) defines
  the fields of studies and arms (types, units, allowed values, required or not), the outcomes and the
  reporting-completeness items.
- :class:`Extraction` holds what one extractor found: :class:`Study` values, :class:`Arm` s and
  :class:`OutcomeRecord` s at each time point as reported (means and SDs, change scores, events, medians and
  quartiles, or an effect with its CI or p), every value with its :class:`Provenance`. It is plain frozen data
  (:meth:`Extraction.to_dict`, :meth:`Extraction.from_dict`, JSON) and goes to and from Excel or CSV without loss
  (:func:`read_extraction`, :func:`write_extraction`, :func:`write_template`).
- :func:`validate` lists every problem by study and field (and file, sheet, row and column): values that do not
  fit the form, arms that do not add up, SDs, percentages and change scores that arithmetic does not allow.
- :func:`compare` lists two extractors' disagreements item by item; :func:`consensus` merges them with a
  recorded :class:`Resolution` (who, why) for each.
- :func:`effects_from_extraction` turns each study's data into ``yi``/``vi``, recording every conversion and
  assumption (change-score correlations, paired analysis of split-face designs).
- :func:`reporting_completeness` appraises how completely studies report their interventions (TIDieR items).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sysreview.extraction._compare import KINDS, Comparison, Conflict, compare, consensus, record_key
from sysreview.extraction._completeness import (
    STATUSES,
    CompletenessCell,
    CompletenessReport,
    ItemSummary,
    reporting_completeness,
)
from sysreview.extraction._data import (
    BASES,
    PROVENANCE_PARTS,
    ROLES,
    STATS,
    Arm,
    Datum,
    Extraction,
    Location,
    OutcomeRecord,
    Provenance,
    Resolution,
    Stat,
    Study,
)
from sysreview.extraction._form import (
    DEFAULT_FORM,
    FAMILIES,
    CompletenessItem,
    FieldSpec,
    Form,
    OutcomeSpec,
    default_form,
    default_form_text,
    load_form,
)
from sysreview.extraction._reading import read_extraction, read_resolutions
from sysreview.extraction._sheets import SHEETS
from sysreview.extraction._validate import SEVERITIES, Issue, ValidationReport, parse_duration, validate
from sysreview.extraction._values import FIELD_TYPES, NA, NR, Missing, Value
from sysreview.extraction._writing import write_extraction, write_resolution_template, write_template

if TYPE_CHECKING:
    from sysreview.extraction._effects import (
        BASIS_CHOICES,
        EFFECT_MEASURES,
        Assumptions,
        ExtractedEffects,
        StudyEffect,
        effects_from_extraction,
    )

__all__ = [
    "BASES",
    "BASIS_CHOICES",
    "DEFAULT_FORM",
    "EFFECT_MEASURES",
    "FAMILIES",
    "FIELD_TYPES",
    "KINDS",
    "NA",
    "NR",
    "PROVENANCE_PARTS",
    "ROLES",
    "SEVERITIES",
    "SHEETS",
    "STATS",
    "STATUSES",
    "Arm",
    "Assumptions",
    "Comparison",
    "CompletenessCell",
    "CompletenessItem",
    "CompletenessReport",
    "Conflict",
    "Datum",
    "ExtractedEffects",
    "Extraction",
    "FieldSpec",
    "Form",
    "Issue",
    "ItemSummary",
    "Location",
    "Missing",
    "OutcomeRecord",
    "OutcomeSpec",
    "Provenance",
    "Resolution",
    "Stat",
    "Study",
    "StudyEffect",
    "ValidationReport",
    "Value",
    "compare",
    "consensus",
    "default_form",
    "default_form_text",
    "effects_from_extraction",
    "load_form",
    "parse_duration",
    "read_extraction",
    "read_resolutions",
    "record_key",
    "reporting_completeness",
    "validate",
    "write_extraction",
    "write_resolution_template",
    "write_template",
]

# effect sizes need the statistics core (numpy, scipy): loaded on first use, so that reading, validating and
# comparing extraction data (and the command line) do not pay for it
_LAZY = frozenset({"BASIS_CHOICES", "EFFECT_MEASURES", "Assumptions", "ExtractedEffects", "StudyEffect",
                   "effects_from_extraction"})  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'sysreview.extraction' has no attribute {name!r}")
    value = getattr(importlib.import_module("sysreview.extraction._effects"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
