"""Export a project to one zip file and import it back, losing nothing of the review.

The archive holds ``review.toml`` byte for byte, every row of every table of the review's data as JSON lines (ids,
times to the microsecond and all), and a manifest with the schema revision, row counts and SHA-256 of each member.
Importing checks all of it before it writes anything, and replays the decision log to make sure it is a valid log.

What travels (``ARCHIVED_TABLES``): imports, records, decisions, duplicate groups and verdicts, and the forms saved
in the web app (``submissions``: extractions, RoB 2 assessments with their judgements, full-text files' SHA-256 and
names, each with who saved it and when). What does not (``LOCAL_TABLES``): the web server's accounts with their
password hashes, sessions, login attempts, its audit log and its cookie key. An archive is handed around (to a
co-author, a journal, a repository): a password hash in it could be cracked offline, a session token replayed, and
the audit log holds client addresses; the facts of the review it records (who decided or saved what, when) are in
the decisions and submissions, which travel. The team that imports a review adds its own accounts. The full-text
PDF files the submissions name travel too (members ``fulltext/<SHA-256>.pdf``, each checked against its name and the
manifest), and land in the new project's ``fulltext/`` folder.

Archives of revision 0001 (before ``submissions`` existed) are read too: the tables they lack are empty.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Boolean, Date, Float, Integer, String, Text

from sysreview._version import __version__
from sysreview.errors import InputError
from sysreview.project._database import HEAD_REVISION
from sysreview.project._schema import ARCHIVED_TABLES, Base, UTCDateTime
from sysreview.review import Decision, LogError, ScreeningPolicy, replay

__all__ = ["ARCHIVE_FORMAT", "FULLTEXT_DIR", "Archive", "fulltext_file_name", "read_archive", "write_archive"]

ARCHIVE_FORMAT: Final[str] = "sysreview-project"
ARCHIVE_VERSION: Final[int] = 1
PROTOCOL_MEMBER: Final[str] = "review.toml"
MANIFEST_MEMBER: Final[str] = "manifest.json"
#: the project folder's (and the archive's) folder of full-text files, each named by its content's SHA-256
FULLTEXT_DIR: Final[str] = "fulltext"
_FULLTEXT_NAME: Final = re.compile(r"[0-9a-f]{64}\.pdf")
#: tables added after revision 0001, by the revision that added them: an older archive has none of their rows
_ADDED_IN: Final[dict[str, str]] = {"submissions": "0002"}
_READABLE_REVISIONS: Final[tuple[str, ...]] = ("0001", HEAD_REVISION)

Tables = dict[str, list[dict[str, Any]]]


def fulltext_file_name(sha256: str) -> str:
    """The name of the full-text file whose content has this SHA-256 (in ``fulltext/``)."""
    return f"{sha256}.pdf"


def fulltext_digests(tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, int]:
    """The SHA-256 of every full-text file the ``submissions`` rows name, with the id of the first row naming it."""
    digests: dict[str, int] = {}
    for row in tables.get("submissions", ()):
        if row["kind"] == "fulltext":
            digests.setdefault(str(json.loads(row["payload"])["sha256"]), int(row["id"]))
    return digests


class Archive:
    """The contents of a project archive: the protocol file's bytes, the rows of every table and the full-text
    files (by file name)."""

    __slots__ = ("files", "manifest", "protocol", "tables")

    def __init__(
        self, protocol: bytes, tables: Tables, manifest: Mapping[str, Any], files: Mapping[str, bytes] | None = None
    ) -> None:
        self.protocol = protocol
        self.tables = tables
        self.manifest = dict(manifest)
        self.files = dict(files or {})


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _line(row: Mapping[str, Any]) -> str:
    return json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=True, allow_nan=False, sort_keys=True)


def write_archive(
    target: str | Path,
    *,
    protocol: bytes,
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    files: Mapping[str, bytes] | None = None,
) -> Path:
    """Write the archive of a project (its ``review.toml`` bytes, the rows of :meth:`Store.dump` and the full-text
    ``files`` by name)."""
    path = Path(target)
    members: dict[str, bytes] = {PROTOCOL_MEMBER: protocol}
    for name, content in sorted((files or {}).items()):
        members[f"{FULLTEXT_DIR}/{name}"] = content
    counts: dict[str, int] = {}
    for name in ARCHIVED_TABLES:
        table = Base.metadata.tables[name]
        rows = tables.get(table.name, ())
        members[f"tables/{table.name}.jsonl"] = "".join(_line(row) + "\n" for row in rows).encode("ascii")
        counts[table.name] = len(rows)
    manifest = {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "schema_revision": HEAD_REVISION,
        "sysreview": __version__,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "rows": counts,
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_MEMBER, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        for name, data in members.items():
            archive.writestr(name, data)
    partial.replace(path)  # a crash leaves no half-written archive under the real name
    return path


def read_archive(source: str | Path) -> Archive:
    """Read and check a project archive: every error names the member, the line and the field."""
    path = Path(source)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except (zipfile.BadZipFile, OSError) as error:
        raise InputError(f"not a sysreview project archive (zip): {error}", file=str(path)) from None
    with archive:
        names = set(archive.namelist())
        if MANIFEST_MEMBER not in names:
            raise InputError(f"not a sysreview project archive: no {MANIFEST_MEMBER}", file=str(path))
        manifest = _manifest(archive.read(MANIFEST_MEMBER), f"{path}:{MANIFEST_MEMBER}")
        digests: Mapping[str, str] = manifest["sha256"]
        data: dict[str, bytes] = {}
        for name, digest in digests.items():
            where = f"{path}:{name}"
            if name not in names:
                raise InputError("listed in the manifest but missing from the archive", file=where)
            content = archive.read(name)
            if hashlib.sha256(content).hexdigest() != digest:
                raise InputError("content does not match the manifest's SHA-256 (damaged archive)", file=where)
            data[name] = content
    if PROTOCOL_MEMBER not in data:
        raise InputError(f"the archive has no {PROTOCOL_MEMBER}", file=str(path))
    tables: Tables = {}
    revision = str(manifest["schema_revision"])
    for name in ARCHIVED_TABLES:
        table = Base.metadata.tables[name]
        member = f"tables/{table.name}.jsonl"
        if member not in data and _ADDED_IN.get(name, "0001") > revision:
            tables[name] = []
            continue
        if member not in data:
            raise InputError(f"the archive has no {member}", file=str(path))
        tables[table.name] = _rows(data[member], table.name, f"{path}:{member}")
        expected = manifest["rows"].get(table.name)
        if expected != len(tables[table.name]):
            raise InputError(f"{len(tables[table.name])} rows, the manifest says {expected}", file=f"{path}:{member}")
    _check_log(tables, f"{path}:tables/decisions.jsonl")
    files = _fulltext_files(data, tables, str(path))
    return Archive(data[PROTOCOL_MEMBER], tables, manifest, files)


def _fulltext_files(data: Mapping[str, bytes], tables: Tables, where: str) -> dict[str, bytes]:
    """The archive's full-text files, each named by its content's SHA-256, and one for every submission naming one."""
    files: dict[str, bytes] = {}
    prefix = f"{FULLTEXT_DIR}/"
    for member, content in data.items():
        if not member.startswith(prefix):
            continue
        name = member.removeprefix(prefix)
        if not _FULLTEXT_NAME.fullmatch(name) or hashlib.sha256(content).hexdigest() != name.removesuffix(".pdf"):
            raise InputError("a full-text file must be named by its content's SHA-256", file=f"{where}:{member}")
        files[name] = content
    for digest, row in fulltext_digests(tables).items():
        if fulltext_file_name(digest) not in files:
            raise InputError(
                f"submission {row} names the full-text file {fulltext_file_name(digest)}, which the archive lacks",
                file=f"{where}:tables/submissions.jsonl",
            )
    return files


def _manifest(content: bytes, where: str) -> dict[str, Any]:
    try:
        manifest = json.loads(content)
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(f"not valid JSON: {error}", file=where) from None
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
        raise InputError(f"not a sysreview project archive (format is not {ARCHIVE_FORMAT!r})", file=where)
    if manifest.get("version") != ARCHIVE_VERSION:
        raise InputError(
            f"archive version {manifest.get('version')!r}; this sysreview reads version {ARCHIVE_VERSION}", file=where
        )
    if manifest.get("schema_revision") not in _READABLE_REVISIONS:
        raise InputError(
            f"the archive's schema revision is {manifest.get('schema_revision')!r}; this sysreview reads "
            f"{', '.join(repr(r) for r in _READABLE_REVISIONS)} (export it again with a matching sysreview)",
            file=where,
        )
    if not isinstance(manifest.get("sha256"), dict) or not isinstance(manifest.get("rows"), dict):
        raise InputError("the manifest lacks 'sha256' or 'rows'", file=where)
    return manifest


def _rows(content: bytes, table_name: str, where: str) -> list[dict[str, Any]]:
    table = Base.metadata.tables[table_name]
    columns = {column.name: column for column in table.columns}
    rows: list[dict[str, Any]] = []
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        raise InputError("not ASCII JSON lines", file=where) from None
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            raw = json.loads(line)
        except ValueError as error:
            raise InputError(f"not valid JSON: {error}", file=where, row=number) from None
        if not isinstance(raw, dict):
            raise InputError("expected a JSON object", file=where, row=number)
        unknown = sorted(set(raw) - set(columns))
        if unknown:
            raise InputError("unknown field", file=where, row=number, column=unknown[0])
        missing = sorted(set(columns) - set(raw))
        if missing:
            raise InputError("missing field", file=where, row=number, column=missing[0])
        row: dict[str, Any] = {}
        for name, column in columns.items():
            row[name] = _decode(raw[name], column.type, column.nullable, where=where, row=number, field=name)
        rows.append(row)
    return rows


def _decode(value: Any, kind: Any, nullable: bool | None, *, where: str, row: int, field: str) -> Any:
    def bad(expected: str) -> InputError:
        return InputError(f"expected {expected}, got {value!r}", file=where, row=row, column=field)

    if value is None:
        if not nullable:
            raise bad("a value")
        return None
    if isinstance(kind, UTCDateTime):
        try:
            moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise bad("a time with its UTC offset")
        return moment.astimezone(dt.UTC)
    if isinstance(kind, Date):
        if not isinstance(value, str):
            raise bad("a date like 2025-12-22")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise bad("a date like 2025-12-22") from None
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("a whole number")
        return value
    if isinstance(kind, Float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        return float(value)
    if isinstance(kind, String | Text):
        if not isinstance(value, str):
            raise bad("text")
        return value
    raise AssertionError(f"column type {kind!r} has no decoder")  # pragma: no cover


def _check_log(tables: Tables, where: str) -> None:
    keys = {row["id"]: row["key"] for row in tables["records"]}
    events: list[Decision] = []
    for number, row in enumerate(tables["decisions"], start=1):
        if row["record_id"] not in keys:
            raise InputError(f"no record with id {row['record_id']}", file=where, row=number, column="record_id")
        events.append(
            Decision(
                id=row["id"],
                record=keys[row["record_id"]],
                stage=row["stage"],
                kind=row["kind"],
                reviewer=row["reviewer"],
                label=row["label"],
                reason=row["reason"],
                time=row["created_at"],
                retracts=row["retracts"],
            )
        )
    try:
        replay(events, ScreeningPolicy())
    except LogError as error:
        raise InputError(f"the decision log is not valid: {error}", file=where) from None
