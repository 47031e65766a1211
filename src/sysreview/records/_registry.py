"""Readers and writers registered by format name, and what a reader is given (context) and gives back (drafts)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sysreview.errors import InputError
from sysreview.records._fields import Extraction, Note
from sysreview.records._issues import DecodingWarning, Issue, RecordWarning
from sysreview.records._model import Record
from sysreview.records._text import decode

__all__ = [
    "Draft",
    "Format",
    "ReadContext",
    "Writer",
    "get_format",
    "get_writer",
    "reader_names",
    "register_format",
    "register_writer",
    "writer_names",
]


@dataclass(slots=True)
class Draft:
    """One record as a reader found it: the raw pairs, the line of each pair, where the record starts."""

    raw: list[tuple[str, str]] = field(default_factory=list)
    lines: list[int | None] = field(default_factory=list)
    line: int | None = None
    row: int | None = None

    def add(self, tag: str, value: str, line: int | None) -> None:
        self.raw.append((tag, value))
        self.lines.append(line)


@dataclass(slots=True)
class ReadContext:
    """What a reader gets besides the bytes: the file's name, options, and where to put the issues it finds."""

    file: str
    encoding: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    suffix: str = ""

    def issue(
        self,
        category: type[RecordWarning],
        message: str,
        *,
        line: int | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.issues.append(Issue(message=message, category=category, file=self.file, line=line, row=row, field=field))

    def text(self, data: bytes) -> str:
        """The file's text (see :func:`sysreview.records._text.decode`); a fallback encoding is reported."""
        try:
            decoded = decode(data, self.encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise InputError(f"cannot decode with encoding {self.encoding!r}: {error}", file=self.file) from None
        if decoded.fallback_line is not None:
            self.issue(
                DecodingWarning,
                f"not valid UTF-8 (first at line {decoded.fallback_line}); decoded as {decoded.encoding}"
                " — pass encoding= if that is wrong",
                line=decoded.fallback_line,
            )
        return decoded.text


#: parse(bytes, context) -> drafts
Parser = Callable[[bytes, ReadContext], list[Draft]]
#: extract(raw pairs, note, column mapping) -> parsed fields, used pairs, own id
Extractor = Callable[[Sequence[tuple[str, str]], Note, Mapping[str, str]], Extraction]


@dataclass(frozen=True, slots=True)
class Format:
    """A readable format: how to split a file into records and how to read fields from a record's raw pairs.

    ``parse`` splits a file into drafts, ``extract`` reads the fields of one draft (and says which raw pairs it used),
    ``sniff(head)`` says whether decoded text looks like this format.
    """

    name: str
    parse: Parser
    extract: Extractor
    suffixes: tuple[str, ...] = ()
    sniff: Callable[[str], bool] | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Writer:
    """A writable format: ``render(records)`` gives the file's text."""

    name: str
    render: Callable[[Sequence[Record]], str]
    suffixes: tuple[str, ...] = ()
    description: str = ""


_FORMATS: dict[str, Format] = {}
_WRITERS: dict[str, Writer] = {}


def register_format(fmt: Format) -> Format:
    """Register a reader under ``fmt.name`` (replacing one of that name)."""
    _FORMATS[fmt.name] = fmt
    return fmt


def register_writer(writer: Writer) -> Writer:
    """Register a writer under ``writer.name`` (replacing one of that name)."""
    _WRITERS[writer.name] = writer
    return writer


def reader_names() -> tuple[str, ...]:
    """Names of the registered readers, sorted."""
    return tuple(sorted(_FORMATS))


def writer_names() -> tuple[str, ...]:
    """Names of the registered writers, sorted."""
    return tuple(sorted(_WRITERS))


def get_format(name: str) -> Format:
    try:
        return _FORMATS[name]
    except KeyError:
        raise InputError(f"unknown format {name!r}; choose one of: {', '.join(reader_names())}") from None


def get_writer(name: str) -> Writer:
    try:
        return _WRITERS[name]
    except KeyError:
        raise InputError(f"cannot write format {name!r}; choose one of: {', '.join(writer_names())}") from None


def formats_by_suffix() -> dict[str, str]:
    return {suffix: fmt.name for fmt in _FORMATS.values() for suffix in fmt.suffixes}


def writers_by_suffix() -> dict[str, str]:
    return {suffix: w.name for w in _WRITERS.values() for suffix in w.suffixes}


def sniffers() -> list[Format]:
    return [fmt for fmt in _FORMATS.values() if fmt.sniff is not None]
