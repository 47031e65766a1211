"""Helpers of the figure tests: fitted examples, and the structure of a saved SVG (ids, texts, fills)."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from matplotlib.figure import Figure

from sysreview.plots import save

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "benchmarks"
ROBVIS = SHARED / "robvis-examples"
PRISMA_TEMPLATE = SHARED / "prisma2020-template" / "PRISMA.csv"
SEED001 = Path(__file__).resolve().parents[2] / "src" / "sysreview" / "data" / "seed001_table3_ecca.csv"

# BCG vaccine trials (Colditz et al. 1994; metafor's dat.bcg): tpos, tneg, cpos, cneg and allocation
BCG_AI = [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27]
BCG_BI = [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886]
BCG_CI = [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29]
BCG_DI = [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825]
BCG_ALLOC = [
    "random", "random", "random", "random", "alternate", "alternate", "random", "random", "random",
    "systematic", "systematic", "random", "systematic",
]  # fmt: skip
BCG_ABLAT = [44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33]
BCG_STUDY = [f"Trial {i + 1}" for i in range(13)]


class Svg:
    """A saved SVG figure: elements by id, and the text drawn inside each."""

    def __init__(self, fig: Figure, path: Path) -> None:
        save(fig, path)
        self.path = path
        self.text = path.read_text(encoding="utf-8")
        self.root = ET.fromstring(self.text)
        self.by_id = {el.get("id"): el for el in self.root.iter() if el.get("id")}

    def ids(self, pattern: str) -> list[str]:
        """Ids matching a regular expression (full match), in document order."""
        rx = re.compile(pattern)
        return [i for i in self.by_id if i is not None and rx.fullmatch(i)]

    def text_of(self, gid: str) -> str:
        """The text inside the element with this id (its <text> elements joined by newlines)."""
        el = self.by_id[gid]
        return "\n".join("".join(t.itertext()) for t in el.iter(f"{SVG}text"))

    def texts(self) -> list[str]:
        """Every <text> string of the figure."""
        return ["".join(t.itertext()) for t in self.root.iter(f"{SVG}text")]

    def fill_of(self, gid: str) -> str:
        """The fill colour (lower case) of the first path under the element with this id."""
        for el in self.by_id[gid].iter():
            style = el.get("style") or ""
            match = re.search(r"fill:\s*(#[0-9a-fA-F]{6})", style)
            if match:
                return match.group(1).lower()
        raise AssertionError(f"no fill under {gid}")

    def markers(self, gid: str) -> int:
        """Number of scatter points under the element with this id: <use> elements of one shared marker, or one
        <path> each when the sizes differ (bubbles)."""
        el = self.by_id[gid]
        uses = sum(1 for _ in el.iter(f"{SVG}use"))
        return uses or sum(1 for _ in el.iter(f"{SVG}path"))

    def font_sizes(self) -> list[float]:
        """Font sizes (pt) of every text element."""
        return [float(m) for m in re.findall(r"font-size:\s*([0-9.]+)px", self.text)]


def seed001_rows() -> list[dict[str, str]]:
    with SEED001.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def robvis_rows(name: str) -> list[dict[str, str]]:
    with (ROBVIS / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
