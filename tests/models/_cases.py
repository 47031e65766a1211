"""Effect sizes of golden cases for the model tests (taken from the matching golden ``effect_size`` case, so that
the model tests do not depend on escalc; the CLI tests run the whole chain from raw columns)."""

from __future__ import annotations

from typing import Any

from tests._golden import golden_cases


def effect_sizes(case: dict[str, Any]) -> tuple[list[float], list[float]]:
    inp = case["input"]
    if "yi" in inp:
        return inp["yi"], inp["vi"]
    measure = case["call"]["measure"]
    for other in golden_cases():
        if (
            other["call"]["kind"] == "effect_size"
            and other["call"]["measure"] == measure
            and other["dataset"] == case["dataset"]
        ):
            return other["expected"]["yi"], other["expected"]["vi"]
    raise LookupError(f"no effect sizes for {case['id']}")
