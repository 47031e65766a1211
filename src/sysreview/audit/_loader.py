"""Reading a claims file (YAML or JSON) into plain containers that remember where each value was written.

Numbers become :class:`~sysreview.audit._numbers.Num` (value and printed text, so that ``1.40`` keeps its precision);
mappings and lists remember the line of each entry (YAML; JSON documents give paths only). :class:`Node` walks the
document and raises :class:`~sysreview.errors.InputError` naming the file, the line and the path of a bad field
(``claims.yaml: line 42: studies[3].arms[1]: must be a count …``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import yaml

from sysreview.audit._numbers import Num, Reported, parse_reported
from sysreview.errors import InputError

__all__ = ["LocatedDict", "LocatedList", "Node", "read_document"]


class LocatedDict(dict[str, Any]):
    """A mapping that remembers the line of each key (0 where unknown)."""

    line: int = 0
    lines: dict[str, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = {}


class LocatedList(list[Any]):
    """A list that remembers the line of each item (0 where unknown)."""

    line: int = 0
    lines: list[int]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.lines = []


_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})


def _yaml_document(text: str) -> Any:
    """The YAML document as plain containers: numbers keep their text, mappings and lists their lines.

    PyYAML composes the node graph (with line marks); the scalars are constructed by its safe loader, except that
    numbers become :class:`Num` and timestamps stay texts (a claims file means the text ``2024-05-01``).
    """
    loader = yaml.SafeLoader(text)
    built: dict[int, Any] = {}

    def build(node: Any) -> Any:
        if id(node) in built:
            return built[id(node)]
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out = LocatedDict()
            out.line = line
            built[id(node)] = out
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise InputError(f"line {key_node.start_mark.line + 1}: merge keys (<<) are not supported")
                key = build(key_node)
                if isinstance(key, Num):
                    key = key.text
                if not isinstance(key, str | int | float | bool):
                    raise InputError(f"line {key_node.start_mark.line + 1}: a key must be a text, got {key!r}")
                key = str(key)
                if key in out:
                    raise InputError(f"line {key_node.start_mark.line + 1}: key {key!r} appears twice in a mapping")
                out[key] = build(value_node)
                out.lines[key] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            items = LocatedList()
            items.line = line
            built[id(node)] = items
            items.extend(build(child) for child in node.value)
            items.lines = [child.start_mark.line + 1 for child in node.value]
            return items
        if node.tag in _NUMBER_TAGS:
            return Num(float(loader.construct_object(node, deep=True)), str(node.value))
        if node.tag == "tag:yaml.org,2002:timestamp":
            return str(node.value)
        return loader.construct_object(node, deep=True)

    try:
        root = loader.get_single_node()
        return None if root is None else build(root)
    finally:
        loader.dispose()


def _json_object(pairs: list[tuple[str, Any]]) -> LocatedDict:
    out = LocatedDict()
    for key, value in pairs:
        if key in out:
            raise InputError(f"key {key!r} appears twice in the same object")
        out[key] = value
        out.lines[key] = 0
    return out


def _reject_constant(token: str) -> NoReturn:
    raise InputError(f"{token} is not a number a review can report; leave the field out instead")


def read_document(path: str | Path) -> tuple[Any, str]:
    """The parsed document of a ``.yaml``/``.yml`` or ``.json`` file, and the file name for messages."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", file=name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", file=name) from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            doc = json.loads(
                text,
                object_pairs_hook=_json_object,
                parse_float=lambda s: Num(float(s), s),
                parse_int=lambda s: Num(float(s), s),
                parse_constant=_reject_constant,
            )
        elif suffix in {".yaml", ".yml"}:
            doc = _yaml_document(text)
        else:
            raise InputError("claims must be a .yaml, .yml or .json file", file=name)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {exc.lineno}: not valid JSON: {exc.msg}", file=name) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 0
        raise InputError(f"line {line}: not valid YAML: {exc.problem}", file=name) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=name) from None
    except InputError as err:
        raise err.located(file=name) from None
    return doc, name


class Node:
    """A value of the document with its path and line, for reading with located errors."""

    __slots__ = ("file", "line", "path", "value")

    def __init__(self, value: Any, *, file: str, path: str = "", line: int = 0) -> None:
        self.value = value
        self.file = file
        self.path = path
        self.line = line

    # ------------------------------------------------------------------ errors
    def error(self, message: str) -> InputError:
        """An InputError at this node: ``file: line N: path: message``."""
        where = [f"line {self.line}"] if self.line else []
        if self.path:
            where.append(self.path)
        return InputError(": ".join([*where, message]), file=self.file)

    # ------------------------------------------------------------------ structure
    def child(self, key: str) -> Node:
        value = self.value
        line = value.lines.get(key, 0) if isinstance(value, LocatedDict) else 0
        path = f"{self.path}.{key}" if self.path else key
        return Node(value.get(key) if isinstance(value, Mapping) else None, file=self.file, path=path, line=line)

    def mapping(self, *, allowed: Sequence[str] | None = None, required: Sequence[str] = ()) -> Node:
        """This node, checked to be a mapping with only ``allowed`` keys and all ``required`` ones."""
        if not isinstance(self.value, Mapping):
            raise self.error(f"expected a mapping (key: value), got {_kind(self.value)}")
        if allowed is not None:
            unknown = [k for k in self.value if k not in allowed]
            if unknown:
                raise self.child(unknown[0]).error(f"unknown field; expected one of {', '.join(allowed)}")
        for key in required:
            if self.value.get(key) is None:
                raise self.error(f"field {key!r} is required")
        return self

    def has(self, key: str) -> bool:
        return isinstance(self.value, Mapping) and self.value.get(key) is not None

    def keys(self) -> list[str]:
        return list(self.value) if isinstance(self.value, Mapping) else []

    def items(self) -> Iterator[tuple[str, Node]]:
        for key in self.keys():
            yield key, self.child(key)

    def list(self, key: str | None = None, *, required: bool = False) -> list[Node]:
        """The items of the list at ``key`` (or of this node); a missing list is empty unless ``required``."""
        node = self if key is None else self.child(key)
        if node.value is None:
            if required:
                raise node.error("a list is required here")
            return []
        if not isinstance(node.value, list):
            raise node.error(f"expected a list, got {_kind(node.value)}")
        lines = node.value.lines if isinstance(node.value, LocatedList) else []
        return [
            Node(item, file=self.file, path=f"{node.path}[{i}]", line=lines[i] if i < len(lines) else node.line)
            for i, item in enumerate(node.value)
        ]

    # ------------------------------------------------------------------ scalars
    def text(self, key: str, *, required: bool = False, default: str | None = None) -> str | None:
        node = self.child(key)
        if node.value is None:
            if required:
                raise self.error(f"field {key!r} is required")
            return default
        if isinstance(node.value, Num):
            return node.value.text
        if isinstance(node.value, bool) or not isinstance(node.value, str | int | float):
            raise node.error(f"expected a text, got {_kind(node.value)}")
        return str(node.value)

    def req_text(self, key: str) -> str:
        value = self.text(key, required=True)
        assert value is not None
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        """A list of texts (a single text counts as a list of one)."""
        node = self.child(key)
        if node.value is None:
            return ()
        if isinstance(node.value, str | Num):
            return (node.value.text if isinstance(node.value, Num) else node.value,)
        return tuple(item.text_value() for item in node.list())

    def text_value(self) -> str:
        if isinstance(self.value, Num):
            return self.value.text
        if not isinstance(self.value, str):
            raise self.error(f"expected a text, got {_kind(self.value)}")
        return self.value

    def reported(self, key: str | None = None, *, required: bool = False) -> Reported | None:
        """A reported number (value and printed precision), or None if absent."""
        node = self if key is None else self.child(key)
        if node.value is None:
            if required:
                raise (self.error(f"field {key!r} is required") if key else self.error("a number is required"))
            return None
        try:
            return parse_reported(node.value)
        except ValueError as exc:
            raise node.error(str(exc)) from None

    def number(self, key: str | None = None, *, required: bool = False, minimum: float | None = None) -> float | None:
        """A plain number (no bound, no approximation)."""
        node = self if key is None else self.child(key)
        rep = node.reported(required=required)
        if rep is None:
            return None
        if rep.is_bound or rep.approximate:
            raise node.error(f"expected a value, got {rep.text!r}")
        if minimum is not None and rep.value < minimum:
            raise node.error(f"must be at least {minimum:g}, got {rep.text}")
        return rep.value

    def count(self, key: str | None = None, *, required: bool = False, positive: bool = False) -> int | None:
        """A count (a whole number ≥ 0, or > 0 when ``positive``); ``1,539`` is read as 1539."""
        node = self if key is None else self.child(key)
        rep = node.reported(required=required)
        if rep is None:
            return None
        if rep.is_bound or rep.approximate or rep.value != round(rep.value) or rep.value < (1 if positive else 0):
            need = "a whole number of at least 1" if positive else "a whole number (a count)"
            raise node.error(f"must be {need}, got {rep.text!r}")
        return int(rep.value)

    def boolean(self, key: str, *, default: bool) -> bool:
        node = self.child(key)
        if node.value is None:
            return default
        if not isinstance(node.value, bool):
            raise node.error(f"expected true or false, got {_kind(node.value)}")
        return node.value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Num):
        return f"the number {value.text}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
