"""JSON text of extraction data with numbers kept exactly as reported (``81.0`` stays ``81.0``)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sysreview.errors import InputError

__all__ = ["dumps", "loads"]


def dumps(data: Any, *, indent: int = 2) -> str:
    """``data`` (dicts with text keys, lists, text, numbers, decimals, booleans, None) as JSON text.

    Decimals are written digit for digit (``Decimal("81.0")`` as ``81.0``), which :func:`json.dumps` cannot do.
    """
    parts: list[str] = []
    _write(data, parts, indent, 0)
    return "".join(parts) + "\n"


def _write(value: Any, out: list[str], indent: int, depth: int) -> None:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InputError(f"cannot write {value} as JSON: numbers must be finite")
        out.append(str(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        pad = "\n" + " " * (indent * (depth + 1))
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise InputError(f"cannot write a JSON object key that is not text: {key!r}")
            out.append(("," if i else "") + pad + json.dumps(key, ensure_ascii=False) + ": ")
            _write(item, out, indent, depth + 1)
        out.append("\n" + " " * (indent * depth) + "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        pad = "\n" + " " * (indent * (depth + 1))
        out.append("[")
        for i, item in enumerate(value):
            out.append(("," if i else "") + pad)
            _write(item, out, indent, depth + 1)
        out.append("\n" + " " * (indent * depth) + "]")
    else:
        try:
            out.append(json.dumps(value, ensure_ascii=False, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise InputError(f"cannot write {value!r} as JSON: {exc}") from None


def loads(text: str, *, source: str | None = None) -> Any:
    """Parse JSON text, reading every number as a :class:`~decimal.Decimal` (exact, with its decimals)."""
    try:
        return json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", file=source) from None
    except InputError as err:
        raise err.located(file=source) from None


def _constant(name: str) -> Any:
    raise InputError(f"not valid JSON: {name} is not a number (numbers must be finite)")
