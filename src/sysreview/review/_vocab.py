"""The words of screening: stages, labels, kinds of decision event, statuses; parsed once at the public boundary."""

from __future__ import annotations

from typing import Final, Literal

from sysreview.errors import InputError

__all__ = [
    "KINDS",
    "LABELS",
    "STAGES",
    "STATUSES",
    "Kind",
    "Label",
    "Stage",
    "Status",
    "parse_label",
    "parse_stage",
    "stage_title",
]

Stage = Literal["title_abstract", "full_text"]
Label = Literal["include", "exclude", "maybe", "not_retrieved"]
Kind = Literal["vote", "resolve", "retrieval", "retract"]
Status = Literal["unscreened", "pending", "conflict", "included", "excluded", "not_retrieved"]

#: the screening stages, in order: a record reaches full text only when included at title/abstract
STAGES: Final[tuple[Stage, ...]] = ("title_abstract", "full_text")
#: a reviewer's labels (``vote``); a resolution is ``include`` or ``exclude``; ``not_retrieved`` is a retrieval event
LABELS: Final[tuple[Label, ...]] = ("include", "exclude", "maybe", "not_retrieved")
#: ``vote``: one reviewer's independent judgement; ``resolve``: a third reviewer settles a conflict; ``retrieval``:
#: the full text could not be obtained; ``retract``: undoes an earlier event of the same reviewer (undo)
KINDS: Final[tuple[Kind, ...]] = ("vote", "resolve", "retrieval", "retract")
#: what a record's state at a stage can be
STATUSES: Final[tuple[Status, ...]] = ("unscreened", "pending", "conflict", "included", "excluded", "not_retrieved")

_STAGE_SPELLINGS: Final[dict[str, Stage]] = {
    "title_abstract": "title_abstract",
    "title-abstract": "title_abstract",
    "ta": "title_abstract",
    "tiab": "title_abstract",
    "full_text": "full_text",
    "full-text": "full_text",
    "ft": "full_text",
}
_TITLES: Final[dict[Stage, str]] = {"title_abstract": "title/abstract", "full_text": "full text"}


def parse_stage(value: str) -> Stage:
    """The stage named ``value`` (``title_abstract``/``title-abstract``/``ta``, ``full_text``/``full-text``/``ft``)."""
    stage = _STAGE_SPELLINGS.get(value.strip().lower()) if isinstance(value, str) else None
    if stage is None:
        raise InputError(f"unknown stage {value!r}; choose one of {', '.join(STAGES)}")
    return stage


def parse_label(value: str) -> Label:
    """The label ``value`` (one of :data:`LABELS`, any case)."""
    label = value.strip().lower() if isinstance(value, str) else ""
    for known in LABELS:
        if label == known:
            return known
    raise InputError(f"unknown label {value!r}; choose one of {', '.join(LABELS)}")


def stage_title(stage: Stage) -> str:
    """The stage as people write it (``title/abstract``, ``full text``)."""
    return _TITLES[stage]
