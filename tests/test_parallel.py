"""map_tasks gives the serial result on every executor; seeds depend only on the task index."""
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import pytest

from varpy.parallel import map_tasks, spawn_seeds


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
