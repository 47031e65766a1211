"""``scipy.special``, imported without scipy's array-API layer loading every lazy submodule of numpy.

Since SciPy 1.17, ``import scipy.special`` builds ``scipy._lib.array_api_compat.numpy`` by cloning numpy's namespace: it
imports ``*`` from numpy and reads every name in ``dir(numpy)``, which imports numpy's lazily loaded submodules —
``numpy.f2py`` (with ``charset_normalizer``), ``numpy.testing`` (with ``unittest`` and ``concurrent.futures``),
``numpy.ma``, ``numpy.random``, ``numpy.polynomial``… That is about 0.1 s, a fifth of a whole ``sysreview meta``
process, spent on modules that no array-API function uses (SciPy reaches them through the namespace only for CuPy and
PyTorch arrays). While scipy.special initialises, :func:`_unloaded_submodules_hidden` lists in ``dir(numpy)`` and
``numpy.__all__`` only the submodules already imported; attribute access is untouched, so ``numpy.testing`` and the rest
still import on first use, and the clone keeps every array function. If numpy's lazy-loading internals change, the
import is plain.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

__all__ = ["special"]


@contextmanager
def _unloaded_submodules_hidden() -> Iterator[None]:
    """Within the block, ``dir(numpy)`` omits numpy's lazily loaded submodules that are not imported yet."""
    namespace = np.__dict__
    lazy, public = namespace.get("__numpy_submodules__"), namespace.get("__all__")
    if not isinstance(lazy, set | frozenset) or not isinstance(public, list) or "scipy.special" in sys.modules:
        yield
        return
    unloaded = {name for name in lazy if f"numpy.{name}" not in sys.modules}
    # ``dir(numpy)`` lists ``__numpy_submodules__`` and ``from numpy import *`` follows ``__all__``: hide them in both
    namespace["__numpy_submodules__"] = type(lazy)(lazy - unloaded)
    namespace["__all__"] = [name for name in public if name not in unloaded]
    try:
        yield
    finally:
        namespace["__numpy_submodules__"], namespace["__all__"] = lazy, public


with _unloaded_submodules_hidden():
    from scipy import special
