"""Bytes to text for exports: BOMs, UTF-8/UTF-16, Windows-1252/Latin-1 and GB18030 fallbacks, any line ending."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["Decoded", "decode", "split_lines"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# the 5 bytes Windows-1252 leaves undefined are read as Latin-1 (C1 controls), so nothing is lost
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return "".join(chr(b) for b in chunk), error.end


codecs.register_error("sysreview-latin1", _cp1252_fallback)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text, the encoding used and, when a fallback was needed, where UTF-8 failed (1-based line)."""

    text: str
    encoding: str
    fallback_line: int | None = None


#: the most frequent Chinese characters (a mis-decoded Latin-1 text rarely produces them)
_COMMON_HANZI = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所"
    "民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日"
    "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想"
    "已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处理府研质县"
)


def _looks_chinese(text: str) -> bool:
    """Whether GB18030-decoded text reads as Chinese rather than as mis-decoded Latin text."""
    common = sum(1 for ch in text if ch in _COMMON_HANZI)
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return cjk >= 4 and common * 5 >= cjk


def decode(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode an export's bytes.

    With ``encoding`` given, that codec is used (strict). Otherwise: a BOM decides (UTF-8, UTF-16, UTF-32); UTF-16
    without BOM is recognised by its zero bytes; then UTF-8; then GB18030 when the text reads as Chinese (CNKI,
    Wanfang and VIP exports); then Windows-1252 with Latin-1 for its five undefined bytes — which never fails.
    """
    if encoding is not None:
        return Decoded(data.decode(encoding), encoding)
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return Decoded(data.decode(codec), codec)
            except UnicodeDecodeError:
                break
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    head = data[:4096]
    if len(head) >= 4 and head.count(0) * 3 >= len(head):
        codec = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            return Decoded(data.decode(codec), codec)
        except UnicodeDecodeError:
            pass
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as error:
        bad_line = data.count(b"\n", 0, error.start) + 1
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if text and _looks_chinese(text):
        return Decoded(text, "gb18030", bad_line)
    return Decoded(data.decode("cp1252", errors="sysreview-latin1"), "cp1252", bad_line)


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` split at CRLF, CR or LF (only these: form feeds or U+2028 inside a value are content)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines
