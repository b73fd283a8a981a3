"""The compiled (numba) b-value pass equals the numpy path and the straightforward sums.

``mags._compiled_excess_moments`` is used for catalogues of ``mags._COMPILED_MIN_SIZE`` events
or more when numba is installed. It must bin exactly as ``bin_index`` (same floating-point
operations, so the same ties), give exact integer sums (its float sums are exact only while a
block's sum of squares is below 2**53, which it checks), count NaN, and hand every catalogue it
cannot do exactly (infinities, huge bins) back to the numpy path, which refuses infinities, and
NaN under ``nan_policy='raise'``, with their positions.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from varpy import _accel
from varpy.exceptions import DataFormatError
from varpy.statistics import mags

from .test_mags_fused import catalogues, straightforward

pytest.importorskip("numba")


@pytest.fixture(autouse=True)
def _numba_on(monkeypatch):
    monkeypatch.delenv("VARPY_NUMBA", raising=False)
    _accel.excess_moments_kernel.cache_clear()
    yield
    _accel.excess_moments_kernel.cache_clear()


@settings(max_examples=150, deadline=None)
@given(cat=catalogues(), block=st.sampled_from([1, 7, 8192, 1 << 16]))
def test_compiled_sums_equal_the_straightforward_ones(cat, block):
    m, dm, mc, has_nan = cat
    kc = mags.bin_index(mc, dm).item()
    got = mags._compiled_excess_moments(m, dm, kc, block=block)
    assert got == (*straightforward(m, dm, kc), int(np.isnan(m).sum()))
    assert got == mags._excess_moments(m, dm, kc, nan_policy="omit")


def test_large_catalogue_identical_with_and_without_numba(monkeypatch):
    m = mags.simulate_gr(300_000, 1.0, 0.0, 0.1, detection=(0.6, 0.2), seed=11)
    m[::7] += 1e-9                  # off the grid: every value is re-binned
    assert m.size >= mags._COMPILED_MIN_SIZE
    kc = 8
    compiled = mags._compiled_excess_moments(m, 0.1, kc)
    assert compiled is not None and compiled == mags._excess_moments(m, 0.1, kc)
    fits = [mags.estimate_b(m, 0.8, 0.1, method=method)
            for method in ("tinti_mulargia", "utsu", "aki")]
    monkeypatch.setenv("VARPY_NUMBA", "0")
    _accel.excess_moments_kernel.cache_clear()
    assert not _accel.numba_enabled() and _accel.excess_moments_kernel() is None
    assert mags._compiled_excess_moments(m, 0.1, kc) is None
    assert mags._excess_moments(m, 0.1, kc) == compiled
    assert fits == [mags.estimate_b(m, 0.8, 0.1, method=method)
                    for method in ("tinti_mulargia", "utsu", "aki")]


@pytest.mark.parametrize("dm", [0.1, 0.3])       # multiply by 1/dm, and divide by dm
def test_infinities_go_to_the_numpy_path_and_nan_are_counted(dm):
    m = mags.simulate_gr(mags._COMPILED_MIN_SIZE + 5000, 1.0, 1.0, 0.1, seed=2)
    for bad, where in ((np.inf, 70_000), (-np.inf, 3), (1e308, 65_536)):
        broken = m.copy()
        broken[where] = bad
        assert mags._compiled_excess_moments(broken, dm, 10) is None
        with pytest.raises(DataFormatError, match=f"position {where} "):
            mags.estimate_b(broken, 1.0, dm, nan_policy="omit")
    with_nan = m.copy()
    with_nan[[5, 66_000]] = np.nan
    assert mags._compiled_excess_moments(with_nan, dm, 10).n_nan == 2
    with pytest.raises(DataFormatError, match="position 5 "):
        mags.estimate_b(with_nan, 1.0, dm)
    assert mags.estimate_b(with_nan, 1.0, dm, nan_policy="omit") == \
        mags.estimate_b(np.delete(m, [5, 66_000]), 1.0, dm)


def test_bins_too_far_above_mc_for_exact_float_sums_use_the_numpy_path():
    # dm = 1e-4 and mc = 0 put 50-magnitude events ~5e5 bins above kc: a block's sum of
    # squares passes 2**53, so the compiled pass declines and the numpy path stays exact
    rng = np.random.default_rng(4)
    m = 50.0 + rng.exponential(0.4, mags._COMPILED_MIN_SIZE + 100)
    assert mags._compiled_excess_moments(m, 1e-4, 0) is None
    assert mags._excess_moments(m, 1e-4, 0) == (*straightforward(m, 1e-4, 0), 0)
    # nearer the bins, the same catalogue is within reach and exact
    kc = mags.bin_index(50.0, 1e-4).item()
    got = mags._compiled_excess_moments(m, 1e-4, kc)
    assert got is not None and got == (*straightforward(m, 1e-4, kc), 0)


@pytest.mark.parametrize("scale, divide", [(10.0, False), (0.3, True)])
@pytest.mark.parametrize("where", [0, 3, 511, 512, 999])
def test_kernel_reports_every_non_finite_value_in_any_block(scale, divide, where):
    # small blocks, so the value falls at the start, inside or at the end of a block
    kernel = _accel.excess_moments_kernel()
    m = mags.simulate_gr(1000, 1.0, 1.0, 0.1, seed=2)
    half, kcf = 0.5 + mags.BIN_TOLERANCE, 10.0
    args = (scale, divide, half, kcf, 512, _accel.EXACT_FLOAT_SUM)
    for count_nan in (False, True):
        clean = kernel(m, *args, count_nan)
        assert clean[0] and clean[4] == 0
        for bad in (np.inf, -np.inf, 1e308):
            broken = m.copy()
            broken[where] = bad
            assert not kernel(broken, *args, count_nan)[0]
    with_nan = m.copy()
    with_nan[[where, (where + 7) % 1000]] = np.nan
    assert not kernel(with_nan, *args, False)[0]       # the fast pass gives up on NaN
    ok, n, s1, s2, n_nan = kernel(with_nan, *args, True)
    assert ok and n_nan == 2
    # the numpy path (1000 values are below _COMPILED_MIN_SIZE) as the reference
    dm = 0.3 if divide else 0.1
    assert (n, s1, s2) == mags._excess_moments(with_nan, dm, 10, nan_policy="omit")[:3]


def test_kernel_compiles_in_memory_without_a_writable_cache(monkeypatch, caplog):
    import numba

    real_njit = numba.njit

    def njit(*args, cache=False, **kwargs):
        if cache:
            raise RuntimeError("cannot cache function '_excess_moments': no locator available")
        return real_njit(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", njit)
    _accel.excess_moments_kernel.cache_clear()
    with caplog.at_level("INFO", logger="varpy._accel"):
        kernel = _accel.excess_moments_kernel()
    assert "compiling it in memory" in caplog.text
    m = mags.simulate_gr(1000, 1.0, 1.0, 0.1, seed=3)
    got = kernel(m, 10.0, False, 0.5 + mags.BIN_TOLERANCE, 10.0, 512, _accel.EXACT_FLOAT_SUM,
                 False)
    assert got[0] and tuple(got[1:4]) == mags._excess_moments(m, 0.1, 10)[:3]
