"""Audit of what a published review reports: recompute what can be recomputed, and explain every inconsistency.

:func:`load_claims` reads a claims file (YAML or JSON, documented in docs/claims.md) or a sysreview results.json;
:func:`audit` runs the checks of :data:`CHECKS` and returns a frozen :class:`AuditReport` of :class:`Finding` s
(``to_dict()``, ``to_text()``, ``to_html()``). Each finding names the check, the subject, what is reported, what
sysreview recomputes with :mod:`sysreview.effects`, :mod:`sysreview.models` and :mod:`sysreview.appraisal`, the
tolerance it allowed (the rounding of the printed digits, and the 0.1 SMD threshold of Gøtzsche et al. 2007 where
it applies) and, in plain language, why it matters and what would make it consistent.

References
----------
Gøtzsche PC, Hróbjartsson A, Marić K, Tendal B. Data extraction errors in meta-analyses that use standardized mean
differences. JAMA 2007;298(4):430–437.
Nuijten MB, Hartgerink CHJ, van Assen MALM, Epskamp S, Wicherts JM. The prevalence of statistical reporting errors
in psychology (1985–2013). Behav Res Methods 2016;48:1205–1226 (statcheck).
Brown NJL, Heathers JAJ. The GRIM test. Soc Psychol Personal Sci 2017;8(4):363–369.
"""

from __future__ import annotations

from sysreview.audit._audit import CHECKS, audit, claims_from_results, load_claims
from sysreview.audit._claims import FORMAT_VERSION, Claims, parse_claims
from sysreview.audit._context import Check
from sysreview.audit._report import SEVERITIES, AuditReport, Finding, Skipped

__all__ = [
    "CHECKS",
    "FORMAT_VERSION",
    "SEVERITIES",
    "AuditReport",
    "Check",
    "Claims",
    "Finding",
    "Skipped",
    "audit",
    "claims_from_results",
    "load_claims",
    "parse_claims",
]
