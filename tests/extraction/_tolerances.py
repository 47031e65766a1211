"""The tolerances of the extraction tests, one per kind of quantity (STYLE.md, item 7)."""

from __future__ import annotations

#: relative tolerance between our result and the same closed-form formula recomputed in the test
FORMULA = 1e-10
#: absolute tolerance against a number published with three decimals (half a unit of the last digit)
THREE_DECIMALS = 5e-4
