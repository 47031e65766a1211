"""The public surface of sysreview.extraction, pinned; and what importing it costs (no workbook library, no store)."""

from __future__ import annotations

import subprocess
import sys

from sysreview import extraction

PUBLIC = [
    "BASES", "BASIS_CHOICES", "DEFAULT_FORM", "EFFECT_MEASURES", "FAMILIES", "FIELD_TYPES", "KINDS", "NA", "NR",
    "PROVENANCE_PARTS", "ROLES", "SEVERITIES", "SHEETS", "STATS", "STATUSES", "Arm", "Assumptions", "Comparison",
    "CompletenessCell", "CompletenessItem", "CompletenessReport", "Conflict", "Datum", "ExtractedEffects", "Extraction",
    "FieldSpec", "Form", "Issue", "ItemSummary", "Location", "Missing", "OutcomeRecord", "OutcomeSpec", "Provenance",
    "Resolution", "Stat", "Study", "StudyEffect", "ValidationReport", "Value", "compare", "consensus", "default_form",
    "default_form_text", "effects_from_extraction", "load_form", "parse_duration", "read_extraction",
    "read_resolutions", "record_key", "reporting_completeness", "validate", "write_extraction",
    "write_resolution_template", "write_template",
]  # fmt: skip


def test_public_names_are_pinned() -> None:
    assert extraction.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(extraction, name) is not None
    public = {name for name in dir(extraction) if not name.startswith("_") and name != "annotations"}
    assert public - {"importlib", "TYPE_CHECKING", "Any"} == set(PUBLIC)


def test_importing_extraction_loads_no_workbook_library_no_store_and_no_statistics() -> None:
    """Reading, validating and comparing need neither; effect sizes load numpy and scipy on first use."""
    heavy = ("openpyxl", "pandas", "sqlalchemy", "typer", "matplotlib", "numpy", "scipy")
    code = f"import sys, sysreview.extraction\nprint(','.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
