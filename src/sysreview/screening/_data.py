"""Records to screen: titles, abstracts and (in a simulation) known labels; reading ASReview's labelled CSV."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from sysreview.errors import InputError

__all__ = ["LABEL_COLUMNS", "ScreeningData", "duplicate_groups", "read_labelled_csv"]

#: columns holding the final decision in ASReview's labelled CSV, in order of preference
LABEL_COLUMNS = ("label_included", "included", "label")


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreeningData:
    """The records of one screening: row ``i`` is the ``i``-th data row (0-based) of the input.

    ``labels`` are the known decisions (1 relevant, 0 irrelevant) of a fully labelled set used in a simulation,
    or ``None``. ``authors`` is optional metadata (empty strings where unknown).
    """

    titles: tuple[str, ...]
    abstracts: tuple[str, ...]
    labels: npt.NDArray[np.int64] | None = None
    authors: tuple[str, ...] = field(default=())
    source: str | None = None

    def __post_init__(self) -> None:
        n = len(self.titles)
        if len(self.abstracts) != n:
            raise InputError(f"{len(self.abstracts)} abstracts for {n} titles", file=self.source)
        if self.authors and len(self.authors) != n:
            raise InputError(f"{len(self.authors)} author lists for {n} titles", file=self.source)
        if self.labels is not None:
            labels = np.asarray(self.labels)
            if labels.shape != (n,):
                raise InputError(f"{labels.size} labels for {n} records", file=self.source)
            if n and not np.isin(labels, (0, 1)).all():
                raise InputError("labels must be 0 or 1", file=self.source)
            object.__setattr__(self, "labels", labels.astype(np.int64))

    def __len__(self) -> int:
        return len(self.titles)

    @classmethod
    def from_texts(
        cls,
        titles: Sequence[str],
        abstracts: Sequence[str],
        labels: npt.ArrayLike | None = None,
        *,
        authors: Sequence[str] = (),
    ) -> ScreeningData:
        """Build from parallel sequences (missing values as empty strings)."""
        return cls(
            titles=tuple(_text(t) for t in titles),
            abstracts=tuple(_text(a) for a in abstracts),
            labels=None if labels is None else np.asarray(labels, dtype=np.int64),
            authors=tuple(_text(a) for a in authors),
        )

    def texts(self) -> list[str]:
        """Title and abstract of each record, joined by a blank line."""
        return [f"{t}\n\n{a}" for t, a in zip(self.titles, self.abstracts, strict=True)]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):  # missing in a table
        return ""
    return str(value)


def read_labelled_csv(path: str | Path) -> ScreeningData:
    """Read a labelled set in ASReview's CSV layout: ``title``, ``abstract`` and ``label_included`` (0/1).

    ``included`` or ``label`` are accepted for the label column; ``authors`` is read where present. Missing
    titles or abstracts become empty strings; a missing or non-0/1 label is an error naming its row (the header
    is row 1).
    """
    name = str(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError("no such file", file=name) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"not a readable CSV file ({err})", file=name) from None
    columns = {c.strip().lower(): c for c in frame.columns}
    for needed in ("title", "abstract"):
        if needed not in columns:
            raise InputError(f"missing column '{needed}' (found: {', '.join(frame.columns)})", file=name)
    label_column = next((columns[c] for c in LABEL_COLUMNS if c in columns), None)
    if label_column is None:
        raise InputError(f"missing label column; expected one of: {', '.join(LABEL_COLUMNS)}", file=name)
    labels = np.empty(len(frame), dtype=np.int64)
    for i, value in enumerate(frame[label_column]):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        if number not in (0.0, 1.0):
            raise InputError(f"label must be 0 or 1, got {value!r}", file=name, row=i + 2, column=label_column)
        labels[i] = int(number)
    authors = tuple(frame[columns["authors"]]) if "authors" in columns else ()
    return ScreeningData(
        titles=tuple(frame[columns["title"]]),
        abstracts=tuple(frame[columns["abstract"]]),
        labels=labels,
        authors=authors,
        source=name,
    )


_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s]")


def _normalised(title: str, abstract: str) -> str:
    return _SPACE.sub(" ", _NON_WORD.sub(" ", f"{title} {abstract}".lower())).strip()


def duplicate_groups(data: ScreeningData) -> npt.NDArray[np.int64]:
    """Group id of each record: records with the same normalised title + abstract share one.

    Normalisation lower-cases, drops punctuation and collapses white space. Records with neither title nor
    abstract are never grouped (nothing shows that they are the same work). Group ids are the smallest row of
    the group, so a record without duplicates has its own row as id.
    """
    first: dict[str, int] = {}
    groups = np.arange(len(data), dtype=np.int64)
    for i, (title, abstract) in enumerate(zip(data.titles, data.abstracts, strict=True)):
        key = _normalised(title, abstract)
        if not key:
            continue
        groups[i] = first.setdefault(key, i)
    return groups
