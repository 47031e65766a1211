"""The overall risk-of-bias judgement of a study result from its domain judgements, by each tool's published rule.

RoB 2 (Sterne et al. 2019, Table 2 "Approach to reaching an overall risk-of-bias judgement"):

- Low: the result is judged at low risk of bias for all domains;
- Some concerns: some concerns in at least one domain, but not high risk for any domain;
- High: high risk in at least one domain, *or* some concerns for multiple domains in a way that substantially
  lowers confidence in the result.

The last clause is a reviewer's judgement, not a rule a computer can apply: with some concerns in two or more
domains (and none high) the algorithm gives "Some concerns" and lists "High" among the ``allowed`` outcomes. A
domain judged "No information" (robvis allows it; RoB 2's algorithms map missing information to at best some
concerns) counts as "Some concerns"; a domain "Not applicable" (RoB 2 for cluster trials, D1b) takes no part.

ROBINS-I (Sterne et al. 2016, Table 3 "Interpretation of domain-level and overall risk of bias judgements"):

- Low: low risk of bias for all domains;
- Moderate: low or moderate risk of bias for all domains;
- Serious: serious risk of bias in at least one domain, but not critical risk in any domain;
- Critical: critical risk of bias in at least one domain;
- No information: no clear indication that the study is at serious or critical risk of bias *and* a lack of
  information in one or more key domains of bias.

Which domains are "key" is again the reviewer's call: with no serious or critical domain and some domains
without information, the algorithm gives "No information" and also allows the rule applied to the domains with
information (Low or Moderate), for the case that the domains lacking information are judged not key.

A reported overall judgement is *consistent* with the tool when it is one of the ``allowed`` outcomes.

References
----------
Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias in randomised trials.
BMJ 2019;366:l4898.
Sterne JAC, Hernán MA, Reeves BC, et al. ROBINS-I: a tool for assessing risk of bias in non-randomised studies
of interventions. BMJ 2016;355:i4919.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sysreview.appraisal._vocab import (
    CRITICAL,
    HIGH,
    LOW,
    MODERATE,
    NO_INFORMATION,
    NOT_APPLICABLE,
    SERIOUS,
    SOME_CONCERNS,
    Tool,
    judgement_levels,
    tool_name,
)
from sysreview.errors import InputError

__all__ = ["ROBINS_I_DOMAINS", "OverallRule", "overall_rule"]

#: domain key → the domain's name in ROBINS-I (Sterne et al. 2016, Table 1)
ROBINS_I_DOMAINS: dict[str, str] = {
    "D1": "Bias due to confounding",
    "D2": "Bias in selection of participants into the study",
    "D3": "Bias in classification of interventions",
    "D4": "Bias due to deviations from intended interventions",
    "D5": "Bias due to missing data",
    "D6": "Bias in measurement of outcomes",
    "D7": "Bias in selection of the reported result",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class OverallRule:
    """What a tool's overall rule gives for a set of domain judgements.

    ``algorithm`` is the judgement the published rule gives; ``allowed`` the judgements a reviewer may record
    without contradicting the rule (``algorithm`` first, then the permissible alternative, if any); ``rule`` says
    which clause applied, in words.
    """

    algorithm: str
    allowed: tuple[str, ...]
    rule: str

    def permits(self, judgement: str) -> bool:
        """Whether ``judgement`` is one of the allowed outcomes."""
        return judgement in self.allowed


def overall_rule(judgements: Sequence[str], *, tool: Tool, domains: Sequence[str] | None = None) -> OverallRule:
    """The overall judgement of ``tool``'s published rule for the domain ``judgements`` (canonical spellings).

    ``domains`` names the domains in the ``rule`` text (default D1, D2 …). Raises InputError when a judgement is
    not one of the tool's, or when no domain applies.
    """
    levels = {*judgement_levels(tool), NO_INFORMATION, NOT_APPLICABLE}
    for judgement in judgements:
        if judgement not in levels:
            raise InputError(f"{judgement!r} is not a {tool_name(tool)} domain judgement")
    names = list(domains) if domains is not None else [f"D{i + 1}" for i in range(len(judgements))]
    if len(names) != len(judgements):
        raise InputError(f"{len(judgements)} judgements but {len(names)} domain names")
    applicable = [(n, j) for n, j in zip(names, judgements, strict=True) if j != NOT_APPLICABLE]
    if not applicable:
        raise InputError("no domain applies (all are 'Not applicable'): no overall judgement")
    if tool == "rob2":
        return _rob2(applicable)
    return _robins_i(applicable)


def _rob2(judgements: list[tuple[str, str]]) -> OverallRule:
    high = _having(judgements, HIGH)
    concerns = _having(judgements, SOME_CONCERNS, NO_INFORMATION)
    if high:
        return OverallRule(algorithm=HIGH, allowed=(HIGH,), rule=f"high risk of bias in {_domains(high)}")
    if not concerns:
        return OverallRule(algorithm=LOW, allowed=(LOW,), rule="low risk of bias in all domains")
    missing = _having(judgements, NO_INFORMATION)
    counted = f" ({', '.join(missing)} without information, counted as some concerns)" if missing else ""
    if len(concerns) == 1:
        return OverallRule(
            algorithm=SOME_CONCERNS,
            allowed=(SOME_CONCERNS,),
            rule=f"some concerns in {_domains(concerns)}{counted}, high risk in none",
        )
    return OverallRule(
        algorithm=SOME_CONCERNS,
        allowed=(SOME_CONCERNS, HIGH),
        rule=f"some concerns in {_domains(concerns)}{counted}, high risk in none; High is permissible when this "
        "substantially lowers confidence in the result (a reviewer's judgement, to be recorded)",
    )


def _robins_i(named: list[tuple[str, str]]) -> OverallRule:
    critical = _having(named, CRITICAL)
    serious = _having(named, SERIOUS)
    missing = _having(named, NO_INFORMATION)
    judgements = [j for _, j in named]
    if critical:
        return OverallRule(
            algorithm=CRITICAL, allowed=(CRITICAL,), rule=f"critical risk of bias in {_domains(critical)}"
        )
    if serious:
        return OverallRule(
            algorithm=SERIOUS,
            allowed=(SERIOUS,),
            rule=f"serious risk of bias in {_domains(serious)}, critical in none",
        )
    informed = [j for j in judgements if j != NO_INFORMATION]
    best = LOW if all(j == LOW for j in informed) else MODERATE
    if missing:
        if not informed:
            return OverallRule(algorithm=NO_INFORMATION, allowed=(NO_INFORMATION,), rule="no information in any domain")
        return OverallRule(
            algorithm=NO_INFORMATION,
            allowed=(NO_INFORMATION, best),
            rule=f"no serious or critical risk, no information in {_domains(missing)}; {best} is permissible when "
            "the domains without information are judged not to be key domains (a reviewer's judgement)",
        )
    if best == LOW:
        return OverallRule(algorithm=LOW, allowed=(LOW,), rule="low risk of bias in all domains")
    return OverallRule(
        algorithm=MODERATE,
        allowed=(MODERATE,),
        rule=f"low or moderate risk of bias in all domains (moderate in {_domains(_having(named, MODERATE))})",
    )


def _having(named: list[tuple[str, str]], *levels: str) -> list[str]:
    return [name for name, judgement in named if judgement in levels]


def _domains(names: list[str]) -> str:
    return f"1 domain ({names[0]})" if len(names) == 1 else f"{len(names)} domains ({', '.join(names)})"
