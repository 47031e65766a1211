"""The words of risk-of-bias appraisal: signalling-question answers, judgements per tool, and their spellings.

Answers to signalling questions (RoB 2 and ROBINS-I alike) are ``Y`` (yes), ``PY`` (probably yes), ``PN``
(probably no), ``N`` (no), ``NI`` (no information) and ``NA`` (not applicable: the question is not reached).

Judgements are kept in robvis's spelling (the input format of ``robvis``, McGuinness & Higgins 2021), which is
also the tools' own: RoB 2 ``Low`` / ``Some concerns`` / ``High`` (Sterne et al. 2019); ROBINS-I ``Low`` /
``Moderate`` / ``Serious`` / ``Critical`` / ``No information`` (Sterne et al. 2016). Tables of published reviews
spell them many ways; :func:`normalise_judgement` maps the spellings listed in :data:`SPELLINGS` (compared after
:func:`spelling_key`) and rejects everything else, so that an unknown word is an error and never a guess.

References
----------
Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias in randomised trials.
BMJ 2019;366:l4898.
Sterne JAC, Hernán MA, Reeves BC, et al. ROBINS-I: a tool for assessing risk of bias in non-randomised studies
of interventions. BMJ 2016;355:i4919.
McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis). Res Synth Methods 2021;12:55-61.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from sysreview.errors import InputError

__all__ = [
    "LOW",
    "NOT_APPLICABLE",
    "NO_INFORMATION",
    "SPELLINGS",
    "TOOLS",
    "Answer",
    "Tool",
    "judgement_levels",
    "normalise_answer",
    "normalise_judgement",
    "parse_tool",
    "spelling_key",
    "tool_name",
]

Tool = Literal["rob2", "robins-i"]
#: the tools whose overall rule sysreview applies, by their command-line names
TOOLS: tuple[Tool, ...] = ("rob2", "robins-i")
_TOOL_NAMES = {"rob2": "RoB 2", "robins-i": "ROBINS-I"}
_TOOL_ALIASES = {
    "rob2": "rob2",
    "rob 2": "rob2",
    "rob-2": "rob2",
    "rob2.0": "rob2",
    "rob2-cluster": "rob2",
    "robins-i": "robins-i",
    "robinsi": "robins-i",
    "robins i": "robins-i",
    "robins_i": "robins-i",
}

LOW = "Low"
SOME_CONCERNS = "Some concerns"
HIGH = "High"
MODERATE = "Moderate"
SERIOUS = "Serious"
CRITICAL = "Critical"
NO_INFORMATION = "No information"
#: a domain that does not apply to the study (robvis's RoB 2 cluster template: D1b for individually randomised
#: trials); it takes no part in the overall judgement
NOT_APPLICABLE = "Not applicable"


class Answer(StrEnum):
    """An answer to a signalling question."""

    Y = "Y"
    PY = "PY"
    PN = "PN"
    N = "N"
    NI = "NI"
    NA = "NA"


_ANSWER_SPELLINGS: dict[str, Answer] = {
    "y": Answer.Y,
    "yes": Answer.Y,
    "py": Answer.PY,
    "probably yes": Answer.PY,
    "pn": Answer.PN,
    "probably no": Answer.PN,
    "n": Answer.N,
    "no": Answer.N,
    "ni": Answer.NI,
    "no information": Answer.NI,
    "na": Answer.NA,
    "n/a": Answer.NA,
    "not applicable": Answer.NA,
}

#: judgement spellings accepted per tool: spelling key (see :func:`spelling_key`) → canonical judgement.
#: "Unclear" (RoB 1's word for too little information) becomes "Some concerns" under RoB 2, whose algorithms map
#: missing information to at best some concerns, and "No information" under ROBINS-I, which has that category.
#: "N/A", "NA" and "Not applicable" mark a domain that does not apply (R writes a missing value as NA).
SPELLINGS: dict[Tool, dict[str, str]] = {
    "rob2": {
        "low": LOW,
        "some concerns": SOME_CONCERNS,
        "some concern": SOME_CONCERNS,
        "unclear": SOME_CONCERNS,
        "high": HIGH,
        "no information": NO_INFORMATION,
        "no info": NO_INFORMATION,
        "ni": NO_INFORMATION,
        "not applicable": NOT_APPLICABLE,
        "n/a": NOT_APPLICABLE,
        "na": NOT_APPLICABLE,
    },
    "robins-i": {
        "low": LOW,
        "moderate": MODERATE,
        "serious": SERIOUS,
        "critical": CRITICAL,
        "no information": NO_INFORMATION,
        "no info": NO_INFORMATION,
        "ni": NO_INFORMATION,
        "unclear": NO_INFORMATION,
        "not applicable": NOT_APPLICABLE,
        "n/a": NOT_APPLICABLE,
        "na": NOT_APPLICABLE,
    },
}

# words of the other tool, for a hint in the error message (a ROBINS-I table checked as RoB 2 and vice versa)
_OTHER_TOOL = {
    "rob2": {"moderate", "serious", "critical"},
    "robins-i": {"some concerns", "some concern", "high"},
}

_SUPPORT = re.compile(r"\s*\([^()]*\)$")
_SUFFIX = re.compile(r"\s*(?:risk of bias|risk|bias)$")


def spelling_key(text: str) -> str:
    """The comparison key of a judgement's spelling.

    Lower case; ``_`` and ``-`` between words become spaces; runs of blanks become one space; a trailing
    parenthesis (the support for the judgement, as tables in papers print it: "Low (central randomization)"), a
    trailing full stop and a trailing "risk of bias", "risk" or "bias" are dropped ("Low risk of bias" → "low",
    "High risk" → "high", "some_concerns" → "some concerns"). ``N/A`` keeps its slash.
    """
    key = " ".join(text.replace("_", " ").split()).casefold()
    key = _SUPPORT.sub("", key).rstrip(".").strip()
    key = re.sub(r"(?<=\w)-(?=\w)", " ", key)
    stripped = _SUFFIX.sub("", key).strip()
    return stripped or key


def judgement_levels(tool: Tool) -> tuple[str, ...]:
    """The judgements of ``tool`` from best to worst (without "No information" and "Not applicable")."""
    if tool == "rob2":
        return (LOW, SOME_CONCERNS, HIGH)
    return (LOW, MODERATE, SERIOUS, CRITICAL)


def normalise_judgement(text: str, tool: Tool) -> str:
    """The canonical judgement for a spelling of ``tool``'s judgement; InputError (no location) otherwise."""
    key = spelling_key(text)
    found = SPELLINGS[tool].get(key)
    if found is not None:
        return found
    accepted = ", ".join([*judgement_levels(tool), NO_INFORMATION, NOT_APPLICABLE])
    hint = ""
    if key in _OTHER_TOOL[tool]:
        other: Tool = "robins-i" if tool == "rob2" else "rob2"
        hint = f" ('{text.strip()}' is a {_TOOL_NAMES[other]} judgement: is the table a {_TOOL_NAMES[other]} table?)"
    raise InputError(f"unknown {_TOOL_NAMES[tool]} judgement {text.strip()!r}; write one of {accepted}{hint}")


def normalise_answer(text: str) -> Answer:
    """The :class:`Answer` for a spelling of a signalling-question answer (``Y``, ``Probably no``, ``N/A`` …)."""
    key = " ".join(text.split()).casefold()
    found = _ANSWER_SPELLINGS.get(key)
    if found is None:
        raise InputError(f"unknown answer {text.strip()!r}; write one of Y, PY, PN, N, NI or NA")
    return found


def parse_tool(name: str) -> Tool:
    """The tool code for a tool's name (``rob2``, ``RoB 2``, ``robins-i``, ``ROBINS-I`` …)."""
    key = " ".join(name.split()).casefold()
    found = _TOOL_ALIASES.get(key)
    if found is None:
        raise InputError(f"unknown tool {name!r}; choose one of {', '.join(TOOLS)}")
    return "rob2" if found == "rob2" else "robins-i"


def tool_name(tool: Tool) -> str:
    """The tool's published name (``RoB 2``, ``ROBINS-I``)."""
    return _TOOL_NAMES[tool]
