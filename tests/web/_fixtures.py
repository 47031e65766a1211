"""A small review for the web tests: twelve records, three reviewers (a lead and two screeners), dual screening."""

from __future__ import annotations

from pathlib import Path

from sysreview.project import Project
from sysreview.web import Accounts

PASSWORDS = {"alice": "alice-password-1", "bob": "bob-password-22", "carol": "carol-password-333"}
ROLES = {"alice": "reviewer", "bob": "reviewer", "carol": "lead"}
REASONS = ("wrong design", "wrong population")


def ris(n: int) -> str:
    lines: list[str] = []
    for i in range(1, n + 1):
        lines += [
            "TY  - JOUR",
            f"ID  - r{i:02d}",
            f"TI  - Autologous fat grafting for acne scars, trial {i}",
            f"AU  - Author {i}",
            "PY  - 2020",
            f"AB  - A randomised trial of fat grafting in {10 + i} patients with atrophic acne scars; mouse model.",
            "DB  - PubMed",
            "ER  - ",
            "",
        ]
    return "\n".join(lines)


def make_project(folder: Path, *, records: int = 12, url: str | None = None) -> Path:
    """A project in ``folder`` with ``records`` records and the three accounts."""
    project = Project.init(folder, title="Fat grafting for acne scars", reviewers=list(PASSWORDS), url=url)
    project.close()
    toml = folder / "review.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace("include = []\nexclude = []\n\n", "", 0)
    text = text.replace("[keywords]\n", "[keywords]\n", 1)
    head, _, tail = text.partition("[keywords]\n")
    tail = tail.replace("include = []", 'include = ["randomi*ed", "acne"]', 1).replace(
        "exclude = []", 'exclude = ["mouse"]', 1
    )
    text = head + "[keywords]\n" + tail
    text = text.replace("exclusion_reasons = []", f"exclusion_reasons = {list(REASONS)!r}".replace("'", '"'))
    toml.write_text(text, encoding="utf-8")
    source = folder / "pubmed.ris"
    source.write_text(ris(records), encoding="utf-8")
    with Project.open(folder) as project:
        project.import_files([source], source="PubMed")
        accounts = Accounts(project.store)
        for name, password in PASSWORDS.items():
            accounts.add_user(name, role=ROLES[name], password=password)
    return folder
