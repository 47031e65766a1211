"""Effect sizes (metafor's escalc measures) and the conversions reviewers need daily."""

from __future__ import annotations

from sysreview.effects._escalc import EffectSizes, escalc

__all__ = ["EffectSizes", "escalc"]
