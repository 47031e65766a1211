"""Appraisal of the evidence: risk of bias (RoB 2, ROBINS-I), robvis tables, GRADE and Summary of Findings.

Risk of bias. :func:`judge_rob2_domain` maps the answers to a RoB 2 domain's signalling questions to the
judgement of the published algorithm; :func:`assess_rob2` and :func:`assess_robins_i` build a study result's
:class:`Assessment`, in which a reviewer departs from an algorithm only through a :class:`Decision` with a reason;
:func:`overall_rule` is each tool's overall rule; :func:`compare_assessments` and :func:`consensus` handle two
assessors. :func:`read_robvis`, :func:`write_robvis` and :func:`check_robvis` read, write and check robvis tables.

Certainty of the evidence. :func:`grade` suggests GRADE ratings from a meta-analysis and records reviewers'
:class:`GradeDecision` s; :func:`summary_of_findings` gives the outcome's Summary of Findings row.
"""

from __future__ import annotations

from sysreview.appraisal._assessment import (
    Assessment,
    Decision,
    Disagreement,
    DomainJudgement,
    OverallJudgement,
    assess_rob2,
    assess_robins_i,
    compare_assessments,
    consensus,
)
from sysreview.appraisal._grade import (
    CERTAINTY,
    DESIGNS,
    GRADE_DOMAINS,
    Design,
    GradeAssessment,
    GradeDecision,
    GradeDomain,
    SmallStudyTest,
    grade,
    grade_from_dict,
    optimal_information_size,
)
from sysreview.appraisal._overall import ROBINS_I_DOMAINS, OverallRule, overall_rule
from sysreview.appraisal._rob2 import AIMS, ROB2_DOMAINS, Aim, DomainResult, Question, judge_rob2_domain, rob2_questions
from sysreview.appraisal._robvis import (
    RobCheck,
    RobRow,
    RobTable,
    StudyCheck,
    check_robvis,
    read_robvis,
    table_from_rows,
    write_robvis,
)
from sysreview.appraisal._sof import SummaryOfFindingsRow, absolute_risk, summary_of_findings
from sysreview.appraisal._vocab import (
    SPELLINGS,
    TOOLS,
    Answer,
    Tool,
    normalise_answer,
    normalise_judgement,
    parse_tool,
)

__all__ = [
    "AIMS",
    "CERTAINTY",
    "DESIGNS",
    "GRADE_DOMAINS",
    "ROB2_DOMAINS",
    "ROBINS_I_DOMAINS",
    "SPELLINGS",
    "TOOLS",
    "Aim",
    "Answer",
    "Assessment",
    "Decision",
    "Design",
    "Disagreement",
    "DomainJudgement",
    "DomainResult",
    "GradeAssessment",
    "GradeDecision",
    "GradeDomain",
    "OverallJudgement",
    "OverallRule",
    "Question",
    "RobCheck",
    "RobRow",
    "RobTable",
    "SmallStudyTest",
    "StudyCheck",
    "SummaryOfFindingsRow",
    "Tool",
    "absolute_risk",
    "assess_rob2",
    "assess_robins_i",
    "check_robvis",
    "compare_assessments",
    "consensus",
    "grade",
    "grade_from_dict",
    "judge_rob2_domain",
    "normalise_answer",
    "normalise_judgement",
    "optimal_information_size",
    "overall_rule",
    "parse_tool",
    "read_robvis",
    "rob2_questions",
    "summary_of_findings",
    "table_from_rows",
    "write_robvis",
]
