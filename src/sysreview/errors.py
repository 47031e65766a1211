"""The exception hierarchy of sysreview: every error a user can meet names what went wrong and where."""

from __future__ import annotations

__all__ = [
    "ConvergenceError",
    "InputError",
    "SysreviewError",
]


class SysreviewError(Exception):
    """Base class of every error raised on purpose by sysreview."""


class InputError(SysreviewError, ValueError):
    """Bad input: names the file, the row and the field/column where known.

    In files, ``row`` is the spreadsheet row a user sees (the header is row 1, the first data row is row 2); for
    arrays passed to the library it is the 1-based position of the study.

    ``str(err)`` is one line: ``file: row 3: column 'sd1i': must be positive, got -1``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(str(self.file))
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        parts.append(self.message)
        return ": ".join(parts)

    def located(self, *, file: str | None = None, row: int | None = None) -> InputError:
        """A copy of this error with the file (and row) filled in where they were unknown."""
        return InputError(
            self.message,
            file=self.file if self.file is not None else file,
            row=self.row if self.row is not None else row,
            column=self.column,
        )


class ConvergenceError(SysreviewError, RuntimeError):
    """An iterative estimator did not converge; ``attempts`` says what was tried."""

    def __init__(self, message: str, *, attempts: tuple[str, ...] = ()) -> None:
        self.attempts = attempts
        text = message if not attempts else message + " (tried: " + "; ".join(attempts) + ")"
        super().__init__(text)
