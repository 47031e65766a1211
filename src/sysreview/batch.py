"""Batch meta-analysis for simulation studies and meta-research: thousands to millions of analyses in one call,
locally or on a Dask cluster.

``rma_batch`` takes long-format data (one row per study, a column naming the analysis it belongs to) as a pandas
or polars DataFrame, a Dask DataFrame or a mapping of arrays, and returns one row per analysis. The statistics are
those of :func:`sysreview.models.rma` (the same batch kernel), so every row equals the one-at-a-time result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from sysreview.errors import InputError
from sysreview.models import BATCH_COLUMNS, Control, fit_groups

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ENGINES", "rma_batch"]

ENGINES = ("numpy", "dask")


def rma_batch(
    data: Any,
    *,
    group: str,
    yi: str = "yi",
    vi: str = "vi",
    sei: str | None = None,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    control: Control | None = None,
    engine: str = "numpy",
    address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """Fit an intercept-only meta-analysis in every group of a long-format table.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame, dask.dataframe.DataFrame or Mapping[str, array_like]
        One row per study.
    group : str
        Column naming the analysis each study belongs to.
    yi, vi, sei : str
        Columns of the effect sizes and sampling variances (or standard errors, ``sei``).
    method, test, level, control
        As for :func:`sysreview.models.rma`: every τ² estimator (FE, DL, DLIT, HE, HS, HSk, SJ, SJIT, ML, REML,
        EB, PM, PMM) and test (z, t, knha, adhoc).
    engine : {"numpy", "dask"}
        ``"dask"`` partitions the data by group and fits the partitions on a Dask cluster: a ``LocalCluster``
        by default, or the scheduler at ``address`` (``tcp://host:8786``). A Dask DataFrame input always uses it.
    progress : callable, optional
        ``progress(done, total)`` after every block of groups (numpy engine).

    Returns
    -------
    DataFrame
        Columns ``group k estimate se statistic pvalue ci_lower ci_upper tau2 I2 H2 Q Q_pvalue pi_lower pi_upper
        converged n_omitted`` (the group column keeps its own name), one row per group in sorted group order; a
        polars DataFrame for polars input, pandas otherwise.
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    kind = _kind(data)
    if kind == "dask" or engine == "dask":
        result = _rma_batch_dask(
            data,
            group=group,
            yi=yi,
            vi=vi,
            sei=sei,
            method=method,
            test=test,
            level=level,
            control=control,
            address=address,
        )
        return _to_polars(result) if kind == "polars" else result
    columns = _columns(data, kind, (group, yi, sei if sei is not None else vi))
    frame = _fit_frame(
        columns,
        group=group,
        yi=yi,
        vi=vi,
        sei=sei,
        method=method,
        test=test,
        level=level,
        control=control,
        progress=progress,
    )
    return _to_polars(frame) if kind == "polars" else frame


def _kind(data: Any) -> str:
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        return "polars"
    if module in {"dask", "dask_expr"}:
        return "dask"
    if module == "pandas":
        return "pandas"
    if isinstance(data, Mapping):
        return "mapping"
    raise InputError(f"rma_batch needs a pandas, polars or Dask DataFrame or a mapping of arrays, not {type(data)!r}")


def _columns(data: Any, kind: str, needed: tuple[str, ...]) -> dict[str, np.ndarray]:
    have = list(data.columns) if kind in {"pandas", "polars"} else list(data)
    missing = [c for c in needed if c not in have]
    if missing:
        raise InputError(
            f"column(s) {', '.join(repr(m) for m in missing)} not found; the data has {', '.join(map(str, have))}",
            column=missing[0],
        )
    if kind == "polars":
        return {c: data.get_column(c).to_numpy() for c in needed}
    if kind == "pandas":
        return {c: data[c].to_numpy() for c in needed}
    return {c: np.asarray(data[c]) for c in needed}


def _fit_frame(
    columns: Mapping[str, np.ndarray],
    *,
    group: str,
    yi: str,
    vi: str,
    sei: str | None,
    method: str,
    test: str,
    level: float,
    control: Control | None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    import pandas as pd

    y = _numeric(columns[yi], yi)
    if sei is not None:
        se = _numeric(columns[sei], sei)
        bad = np.flatnonzero(se < 0)
        if bad.size:
            raise InputError(f"negative standard error {se[bad[0]]:g}", row=int(bad[0]) + 1, column=sei)
        v = se**2
    else:
        v = _numeric(columns[vi], vi)
    try:
        result = fit_groups(
            y, v, columns[group], method=method, test=test, level=level, control=control, progress=progress
        )
    except InputError as err:  # name the user's columns, not the library's
        names = {"yi": yi, "vi": sei if sei is not None else vi, "group": group}
        raise InputError(err.message, row=err.row, column=names.get(err.column or "", err.column)) from None
    frame = pd.DataFrame(result.to_dict(), columns=list(BATCH_COLUMNS))
    return frame.rename(columns={"group": group})


def _numeric(values: np.ndarray, name: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        for i, value in enumerate(values):
            try:
                float(value)
            except (TypeError, ValueError):
                raise InputError(f"not a number: {value!r}", row=i + 1, column=name) from None
        raise


def _to_polars(frame: pd.DataFrame) -> Any:
    import polars as pl

    return pl.from_pandas(frame)


def _rma_batch_dask(
    data: Any,
    *,
    group: str,
    yi: str,
    vi: str,
    sei: str | None,
    method: str,
    test: str,
    level: float,
    control: Control | None,
    address: str | None,
) -> pd.DataFrame:
    """Shuffle the rows so that each group lies in one partition, fit every partition, gather the results."""
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster

    kind = _kind(data)
    if kind == "dask":
        ddf = data
    else:
        frame = data.to_pandas() if kind == "polars" else pd.DataFrame(dict(data)) if kind == "mapping" else data
        ddf = dd.from_pandas(frame, npartitions=max(2, min(64, len(frame) // 200_000 + 2)))  # type: ignore[no-untyped-call]
    needed = [group, yi, sei if sei is not None else vi]
    missing = [c for c in needed if c not in ddf.columns]
    if missing:
        raise InputError(f"column {missing[0]!r} not found; the data has {', '.join(map(str, ddf.columns))}")
    ddf = ddf[needed].shuffle(on=group)
    meta = pd.DataFrame({c: pd.Series(dtype=_DTYPES.get(c, "float64")) for c in BATCH_COLUMNS}).rename(
        columns={"group": group}
    )
    meta[group] = meta[group].astype(ddf[group].dtype)

    def fit_partition(part: pd.DataFrame) -> pd.DataFrame:
        if len(part) == 0:
            return meta.copy()
        cols = {c: part[c].to_numpy() for c in needed}
        return _fit_frame(
            cols, group=group, yi=yi, vi=vi, sei=sei, method=method, test=test, level=level, control=control
        )

    fitted = ddf.map_partitions(fit_partition, meta=meta)
    if address is None:
        with (
            LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            Client(cluster),  # type: ignore[no-untyped-call]
        ):
            result = fitted.compute()
    else:
        with Client(address):  # type: ignore[no-untyped-call]
            result = fitted.compute()
    ordered: pd.DataFrame = result.sort_values(group, kind="stable").reset_index(drop=True)
    return ordered


_DTYPES = {"k": "int64", "converged": "bool", "n_omitted": "int64"}
