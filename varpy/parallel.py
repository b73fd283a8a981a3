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

import contextlib
import functools
import gc
import os
import threading
from typing import Any, Callable, Iterable, Sequence

import numpy as np

__all__ = ["map_tasks", "spawn_seeds", "progress_default", "frozen_heap", "SCATTER_BYTES"]

#: Above this pickled size (bytes) the task function is scattered to every Dask worker once;
#: below it, sending it with each batch costs less than the scatter's round trip (~10 ms).
SCATTER_BYTES = 256 * 1024


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
              progress: bool | None = None, desc: str | None = None,
              chunks_per_worker: int = 4) -> list:
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
    chunks_per_worker : int
        On an executor, tasks are sent in interleaved batches, this many per worker thread, so
        that tasks much shorter than the scheduling overhead (a 1 ms fit) still run in parallel;
        0 sends one task at a time. On Dask, a batch's results travel as one object, and a
        ``func`` larger than :data:`SCATTER_BYTES` when pickled is sent to every worker once
        (``Client.scatter(broadcast=True)``) rather than with every batch.

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
        with frozen_heap():
            return _map(func, items, executor, bar, chunks_per_worker)
    finally:
        bar.close()


def _map(func, items: list, executor, bar, chunks_per_worker: int) -> list:
    if executor is None:
        out = []
        for i, item in enumerate(items):
            out.append(_call(func, item, i))
            bar.update()
        return out
    if not hasattr(executor, "submit"):
        raise TypeError(f"executor {executor!r} has no submit(); give a "
                        "dask.distributed.Client or a concurrent.futures executor")
    if not items:
        return []
    is_dask = hasattr(executor, "gather")
    n_batches = min(len(items), chunks_per_worker * _n_threads(executor, is_dask))
    if n_batches < 1:
        n_batches = len(items)
    # interleaved, so expensive late steps (longer windows) spread over all batches
    batches = [list(range(j, len(items), n_batches)) for j in range(n_batches)]
    tasks = [_Batch([(i, items[i]) for i in idx]) for idx in batches]
    if is_dask:
        results = _run_dask(executor, func, tasks, bar)
    else:
        results = _run_futures(executor, func, tasks, bar)
    out: list = [None] * len(items)
    for idx, res in zip(batches, results):
        for i, r in zip(idx, res.values):
            out[i] = r
    return out


_frozen_lock = threading.Lock()
_frozen_depth = 0
_froze = False


@contextlib.contextmanager
def frozen_heap():
    """Keep the objects that exist now out of Python's cyclic garbage collector meanwhile.

    Thousands of short tasks allocate enough objects to trigger full collections, and each
    full collection traverses the whole heap: with pandas, scipy and Dask loaded, ~100 ms,
    as long as a hundred fits, spent again and again on objects the tasks never touch. Objects
    created meanwhile are still collected. Nests and may be entered by several threads; does
    nothing when the garbage collector is off, or when the program froze objects itself
    (``gc.freeze``), whose freeze is left as it is.
    """
    global _frozen_depth, _froze
    with _frozen_lock:
        if _frozen_depth == 0:
            _froze = gc.isenabled() and gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
        _frozen_depth += 1
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen_depth -= 1
            if _frozen_depth == 0 and _froze:
                gc.unfreeze()
                _froze = False


def _call(func, item, index):
    try:
        return func(item)
    except Exception as exc:
        if hasattr(exc, "add_note"):  # Python >= 3.11: say which task failed, keep the type
            exc.add_note(f"(varpy task {index}: {item!r:.200})")
        raise


class _Batch:
    """A batch of task items or of their results, sent as one opaque object.

    Dask serializes a plain list element by element (a separate pickle per result, each
    resolving its classes again: ~40 us per step result, more than a fast fit) and walks list
    arguments looking for futures; one object is pickled in a single pass and not walked.
    """

    __slots__ = ("values",)

    def __init__(self, values: list):
        self.values = values

    def __reduce__(self):
        return _Batch, (self.values,)

    def __len__(self) -> int:
        return len(self.values)


def _call_batch(func, batch: _Batch) -> _Batch:
    with frozen_heap():         # on a worker, whose heap holds Dask's own objects
        return _Batch([_call(func, item, i) for i, item in batch.values])


def _n_threads(executor, is_dask: bool) -> int:
    """Tasks the executor runs at once (for Dask: the worker threads of the whole cluster)."""
    if is_dask:
        info = executor.scheduler_info()
        workers = info.get("workers") or {}
        total = info.get("total_threads") or sum(int(w.get("nthreads") or 1)
                                                 for w in workers.values())
        return max(1, int(total))
    return max(1, int(getattr(executor, "_max_workers", None) or os.cpu_count() or 1))


def _run_futures(executor, func, batches: Sequence[_Batch], bar) -> list:
    from concurrent.futures import as_completed

    run = functools.partial(_call_batch, func)
    futures = {executor.submit(run, b): i for i, b in enumerate(batches)}
    out: list = [None] * len(batches)
    for fut in as_completed(futures):
        i = futures[fut]
        out[i] = fut.result()
        bar.update(len(batches[i]))
    return out


def _run_dask(client, func, batches: Sequence[_Batch], bar) -> list:
    from dask.distributed import as_completed

    # A large func (one holding a catalogue) goes to every worker once, not with every batch;
    # a small one travels with the batches, cheaper than the scatter's extra round trip.
    shared = func
    if _pickled_size(func) > SCATTER_BYTES:
        [shared] = client.scatter([func], broadcast=True, hash=False)
    try:
        futures = client.map(_call_batch, [shared] * len(batches), batches, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        out: list = [None] * len(batches)
        # results are fetched as batches finish, while the others still run
        for fut, res in as_completed(futures, with_results=True):
            i = index[fut.key]
            out[i] = res
            fut.release()  # nothing more to fetch: the worker may drop it now
            bar.update(len(batches[i]))
        return out
    finally:
        if shared is not func:
            shared.release()


def _pickled_size(obj) -> int:
    """Bytes Dask would send for ``obj`` (arrays are measured, not copied)."""
    from distributed.protocol.pickle import dumps

    buffers: list = []
    head = dumps(obj, buffer_callback=buffers.append)
    return len(head) + sum(memoryview(b).nbytes for b in buffers)
