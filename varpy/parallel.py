"""Running many independent tasks: serially with a progress bar, or on an executor (Dask).

Every long piece of work in varpy (experiment steps, simulation ensembles, batches of projects)
goes through :func:`map_tasks`, so all of it

* shows a progress bar that ``progress=False`` turns off (``VARPY_PROGRESS=0`` turns off the
  default everywhere, for gateways and CI);
* runs on any executor with ``submit``/``map`` (a ``concurrent.futures`` executor or a
  ``dask.distributed.Client``) with results identical to the serial run, in input order;
* gets independent, reproducible random streams from :func:`spawn_seeds`, which depend only on
  the seed and the task's index, never on which worker ran it.

Examples
--------
>>> from varpy.parallel import map_tasks
>>> map_tasks(abs, [-1, 2, -3], progress=False)
[1, 2, 3]
"""
from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Sequence

import numpy as np

__all__ = ["map_tasks", "spawn_seeds", "progress_default"]


def progress_default() -> bool:
    """Whether progress bars are shown when a function is not told (env ``VARPY_PROGRESS``)."""
    return os.environ.get("VARPY_PROGRESS", "1").lower() not in ("0", "false", "no", "off")


def spawn_seeds(seed, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent child seeds of ``seed`` (int, SeedSequence, Generator or None).

    A Generator is consumed once to derive the entropy, so the same Generator state always gives
    the same children.
    """
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(0, 2**63 - 1))
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return ss.spawn(n)


def map_tasks(func: Callable[[Any], Any], items: Iterable, *, executor=None,
              progress: bool | None = None, desc: str | None = None) -> list:
    """``[func(x) for x in items]``, optionally in parallel, with a progress bar.

    Parameters
    ----------
    func : callable
        A picklable function of one argument (module-level function or ``functools.partial``).
    items : iterable
    executor : optional
        ``None`` runs serially. A ``dask.distributed.Client`` (anything with ``submit`` and
        ``gather``) or a ``concurrent.futures.Executor`` (``submit``) runs the tasks there.
    progress : bool, optional
        Show a tqdm progress bar (default: :func:`progress_default`).
    desc : str, optional
        Label of the progress bar.

    Returns
    -------
    list
        Results in the order of ``items``. An exception in a task is raised here, with the
        task's index in the message.
    """
    from tqdm.auto import tqdm

    items = list(items)
    show = progress_default() if progress is None else progress
    bar = tqdm(total=len(items), desc=desc, disable=not show, leave=False)
    try:
        if executor is None:
            out = []
            for i, item in enumerate(items):
                out.append(_call(func, item, i))
                bar.update()
            return out
        if hasattr(executor, "gather") and hasattr(executor, "submit"):
            return _run_dask(executor, func, items, bar)
        if hasattr(executor, "submit"):
            return _run_futures(executor, func, items, bar)
        raise TypeError(f"executor {executor!r} has no submit(); give a dask.distributed.Client "
                        "or a concurrent.futures executor")
    finally:
        bar.close()


def _call(func, item, index):
    try:
        return func(item)
    except Exception as exc:
        if hasattr(exc, "add_note"):  # Python >= 3.11: say which task failed, keep the type
            exc.add_note(f"(varpy task {index}: {item!r:.200})")
        raise


def _run_futures(executor, func, items: Sequence, bar) -> list:
    from concurrent.futures import as_completed

    futures = {executor.submit(func, item): i for i, item in enumerate(items)}
    out: list = [None] * len(items)
    for fut in as_completed(futures):
        out[futures[fut]] = fut.result()
        bar.update()
    return out


def _run_dask(client, func, items: Sequence, bar) -> list:
    from dask.distributed import as_completed

    futures = client.map(func, items, pure=False)
    index = {f.key: i for i, f in enumerate(futures)}
    out: list = [None] * len(items)
    for fut in as_completed(futures):
        out[index[fut.key]] = fut.result()
        bar.update()
    return out
