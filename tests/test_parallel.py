"""map_tasks gives the serial result on every executor; seeds depend only on the task index."""
import gc
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import pytest

from varpy.parallel import frozen_heap, map_tasks, spawn_seeds


def _draw(seed, n=5):
    return np.random.default_rng(seed).normal(size=n).tolist()


def test_executors_match_serial():
    seeds = spawn_seeds(42, 20)
    serial = map_tasks(_draw, seeds, progress=False)
    with ThreadPoolExecutor(3) as ex:
        threaded = map_tasks(_draw, seeds, executor=ex, progress=False)
    assert threaded == serial
    assert len({tuple(x) for x in serial}) == 20  # independent streams


def test_dask_matches_serial():
    distributed = pytest.importorskip("dask.distributed")
    seeds = spawn_seeds(7, 8)
    serial = map_tasks(partial(_draw, n=3), seeds, progress=False)
    with distributed.Client(processes=False, n_workers=2, threads_per_worker=1,
                            dashboard_address=None) as client:
        assert map_tasks(partial(_draw, n=3), seeds, executor=client, progress=False) == serial


def test_generator_seed_is_reproducible():
    a = spawn_seeds(np.random.default_rng(3), 4)
    b = spawn_seeds(np.random.default_rng(3), 4)
    assert [s.generate_state(2).tolist() for s in a] == [s.generate_state(2).tolist() for s in b]


def test_task_errors_name_the_task():
    def boom(x):
        if x == 2:
            raise ValueError("bad value")
        return x

    with pytest.raises(ValueError, match="bad value") as info:
        map_tasks(boom, [0, 1, 2], progress=False)
    assert "task 2" in "".join(getattr(info.value, "__notes__", []))


def test_bad_executor():
    with pytest.raises(TypeError, match="submit"):
        map_tasks(abs, [1], executor=object(), progress=False)


def test_batches_keep_order_and_name_the_failing_task():
    def fail_at_7(x):
        if x == 7:
            raise ValueError("seven")
        return x * x

    with ThreadPoolExecutor(2) as ex:
        assert map_tasks(lambda x: x * x, range(23), executor=ex, progress=False) == \
            [x * x for x in range(23)]
        assert map_tasks(lambda x: -x, range(5), executor=ex, progress=False,
                         chunks_per_worker=0) == [0, -1, -2, -3, -4]
        with pytest.raises(ValueError, match="seven") as info:
            map_tasks(fail_at_7, range(10), executor=ex, progress=False)
    assert "task 7" in "".join(getattr(info.value, "__notes__", []))


class _LookUp:
    """A task function holding a large array (like a step task holding a catalogue)."""

    def __init__(self, values):
        self.values = values

    def __call__(self, i):
        return float(self.values[i])


def _dask_client(distributed, n_workers=2):
    return distributed.Client(processes=False, n_workers=n_workers, threads_per_worker=1,
                              dashboard_address=None)


def _cluster_holds_nothing(client, timeout=5.0) -> bool:
    """Releases reach the scheduler asynchronously: wait for the cluster's memory to empty."""
    import time

    deadline = time.monotonic() + timeout
    while client.who_has():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_dask_batches_keep_input_order_and_release_results():
    distributed = pytest.importorskip("dask.distributed")

    with _dask_client(distributed) as client:
        assert map_tasks(lambda i: i * i, range(41), executor=client, progress=False) == \
            [i * i for i in range(41)]
        assert map_tasks(abs, [], executor=client, progress=False) == []
        # a small function travels with the batches; results are released once fetched
        assert _cluster_holds_nothing(client)


def test_dask_large_function_is_scattered_once_and_released():
    distributed = pytest.importorskip("dask.distributed")
    from varpy import parallel

    values = np.arange(parallel.SCATTER_BYTES // 8 + 1000, dtype=np.float64)
    task = _LookUp(values)
    assert parallel._pickled_size(task) > parallel.SCATTER_BYTES
    items = list(range(0, values.size, 997))
    with _dask_client(distributed) as client:
        sent = []
        scatter = client.scatter

        def spy(data, **kwargs):
            sent.append(kwargs)
            return scatter(data, **kwargs)

        client.scatter = spy
        assert map_tasks(task, items, executor=client, progress=False) == \
            [float(values[i]) for i in items]
        assert sent == [{"broadcast": True, "hash": False}]
        client.scatter = scatter
        # the scattered function is released when the map ends
        assert _cluster_holds_nothing(client)


def test_batch_results_travel_as_one_object():
    # Dask pickles a plain list element by element; a batch is one opaque object
    import pickle

    from varpy.parallel import _Batch, _call_batch

    batch = _call_batch(abs, _Batch([(0, -1), (1, 2), (2, -3)]))
    assert isinstance(batch, _Batch) and batch.values == [1, 2, 3]
    assert pickle.loads(pickle.dumps(batch)).values == [1, 2, 3]
    try:
        from distributed.protocol import serialize
    except ImportError:
        return
    header, frames = serialize(batch)
    assert not header.get("is-collection") and len(frames) == 1


# ---------------------------------------------------------------- the frozen heap of map_tasks

class _Cycle:
    def __init__(self):
        self.me = self


def test_frozen_heap_freezes_meanwhile_and_restores(monkeypatch):
    # Count freeze/unfreeze calls rather than comparing freeze counts across the nested block:
    # a leftover thread of an earlier test may free frozen objects meanwhile, which lowers the
    # count without any second freeze.
    calls = []
    real_freeze, real_unfreeze = gc.freeze, gc.unfreeze
    monkeypatch.setattr(gc, "freeze", lambda: (calls.append("freeze"), real_freeze())[1])
    monkeypatch.setattr(gc, "unfreeze", lambda: (calls.append("unfreeze"), real_unfreeze())[1])
    assert gc.get_freeze_count() == 0
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        with frozen_heap():                       # nested: still frozen, not frozen twice
            assert gc.get_freeze_count() > 0
        assert calls == ["freeze"]
        assert gc.get_freeze_count() > 0
        # objects created meanwhile are still collected
        _Cycle()
        assert gc.collect() >= 1
    assert calls == ["freeze", "unfreeze"]
    assert gc.get_freeze_count() == 0


def test_frozen_heap_leaves_a_programs_own_freeze_and_a_disabled_gc_alone():
    gc.freeze()
    try:
        own = gc.get_freeze_count()
        with frozen_heap():
            assert gc.get_freeze_count() == own
        assert gc.get_freeze_count() == own
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        with frozen_heap():
            assert gc.get_freeze_count() == 0
    finally:
        gc.enable()


def _freeze_count(_):
    return gc.get_freeze_count()


def test_map_tasks_runs_frozen_and_unfreezes_even_on_error():
    assert all(n > 0 for n in map_tasks(_freeze_count, range(3), progress=False))
    assert gc.get_freeze_count() == 0
    with pytest.raises(ZeroDivisionError):
        map_tasks(lambda x: 1 / x, [1, 0], progress=False)
    assert gc.get_freeze_count() == 0
