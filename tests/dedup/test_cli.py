"""``sysreview dedup IN… --out groups.csv --review uncertain.csv``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from typer.testing import CliRunner

from sysreview.cli import _dedup

RIS = """TY  - JOUR
ID  - pm1
TI  - Effect of early mobilisation on recovery after hip fracture: a randomised trial
AU  - Smith, John A.
AU  - Wang, Wei
PY  - 2015
JO  - Journal of Bone and Mineral Research
VL  - 30
SP  - 1234
EP  - 1239
DO  - 10.1002/jbmr.2345
ER  -

TY  - JOUR
ID  - pm2
TI  - Erratum: Effect of early mobilisation on recovery after hip fracture: a randomised trial
PY  - 2015
JO  - Journal of Bone and Mineral Research
VL  - 30
SP  - 1500
ER  -
"""
CSV = (
    "ID,title,author,year,journal,volume,pages,doi\n"
    'em1,"Effect of early mobilization on recovery after hip fracture: a randomized trial.",'
    '"Smith JA; Wang W",2015,J Bone Miner Res,30,1234-9,https://doi.org/10.1002/JBMR.2345\n'
    'em2,"Effect of early mobilization on recovery after hip fracture: a randomized trial",'
    '"Smith JA; Wang W",2015,J Bone Miner Res,30,1234-9,10.1002/other\n'
)


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    _dedup.register(app)
    return app


def test_dedup_writes_one_row_per_record_and_the_review_file(tmp_path: Path) -> None:
    (tmp_path / "medline.ris").write_text(RIS, encoding="utf-8")
    (tmp_path / "embase.csv").write_text(CSV, encoding="utf-8")
    out, review = tmp_path / "groups.csv", tmp_path / "uncertain.csv"
    result = CliRunner().invoke(
        _app(),
        ["dedup", str(tmp_path / "medline.ris"), str(tmp_path / "embase.csv"), "--out", str(out), "--review",
         str(review)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    groups = pd.read_csv(out)
    assert list(groups.columns[:4]) == ["record_id", "group_id", "canonical", "reason"]
    assert list(groups["record_id"]) == ["pm1", "pm2", "em1", "em2"]
    group = dict(zip(groups["record_id"], groups["group_id"], strict=True))
    assert group["pm1"] == group["em1"]
    assert len({group["pm1"], group["pm2"], group["em2"]}) == 3
    uncertain = pd.read_csv(review)
    assert set(uncertain["record_id"]) | set(uncertain["other_id"]) >= {"em2"}
    assert "4 records in 3 groups" in result.output


def test_out_must_be_csv(tmp_path: Path) -> None:
    (tmp_path / "a.ris").write_text(RIS, encoding="utf-8")
    result = CliRunner().invoke(_app(), ["dedup", str(tmp_path / "a.ris"), "--out", str(tmp_path / "g.xlsx")])
    assert result.exit_code == 2
    assert "--out must end in .csv" in result.output
