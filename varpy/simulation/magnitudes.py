"""Gutenberg-Richter magnitudes: continuous or binned, truncated, optionally incomplete.

The Gutenberg-Richter (GR) law gives magnitudes ``m >= mmin`` the exponential density
``beta exp(-beta (m - mmin))`` with ``beta = b ln 10``; with a maximum magnitude ``mmax`` the
density is truncated and renormalised on ``[mmin, mmax]``.

Binned magnitudes follow the project convention (docs/design.md): bins are integer indices
``round(m / dm)``, and ``mmin``/``mmax`` are bin *centres*. A binned GR catalogue is obtained by
rounding continuous magnitudes drawn from ``mmin - dm/2`` (so the lowest bin is complete), which
makes the bin index geometric; the Tinti & Mulargia (1987) estimator is then exact.

Incompleteness follows Ogata & Katsura (1993): an event of (continuous) magnitude ``m`` is
detected with probability ``q(m) = Phi((m - mu) / sigma)``, the normal CDF; ``mu`` is the
magnitude detected half of the time. Observed magnitudes then have the density
``beta exp(-beta (m - m_low)) q(m) / qbar`` above a low cut ``m_low`` where ``q`` is negligible;
:func:`detected_fraction` gives ``qbar`` in closed form. This is the model behind the EMR
completeness method (Woessner & Wiemer 2005), so Mc methods can be tested on known truth.

Examples
--------
>>> from varpy.simulation.magnitudes import gr_magnitudes
>>> m = gr_magnitudes(1000, b=1.0, mmin=2.0, dm=0.1, seed=7)
>>> float(m.min()), bool(abs(m * 10 - (m * 10).round()).max() < 1e-9)
(2.0, True)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import special

from varpy.simulation.point_process import SimulationError

__all__ = [
    "GutenbergRichter",
    "gr_magnitudes",
    "incomplete_gr_magnitudes",
    "detection_probability",
    "detected_fraction",
    "bin_magnitudes",
]

_LN10 = np.log(10.0)


def detection_probability(m, mu: float, sigma: float):
    """Ogata-Katsura detection probability ``Phi((m - mu) / sigma)``."""
    if not sigma > 0:
        raise SimulationError(f"detection sigma={sigma!r} must be > 0")
    return special.ndtr((np.asarray(m, dtype=float) - mu) / sigma)


def _detected_fraction_untruncated(beta, m0, mu, sigma):
    # E[Phi((m0 + X - mu)/sigma)], X ~ Exp(beta):
    #   Phi(-d/s) + exp(-beta d + beta^2 s^2 / 2) Phi(d/s - beta s),  d = mu - m0
    d = mu - np.asarray(m0, dtype=float)
    log_tail = -beta * d + 0.5 * (beta * sigma) ** 2 + special.log_ndtr(d / sigma - beta * sigma)
    return special.ndtr(-d / sigma) + np.exp(log_tail)


def detected_fraction(b: float, m_low: float, mu: float, sigma: float,
                      mmax: float | None = None) -> float:
    """Expected fraction of GR events (continuous, ``m >= m_low``, ``m <= mmax``) detected.

    Closed form of ``E[Phi((m - mu) / sigma)]`` under the (truncated) GR density.

    Examples
    --------
    >>> round(detected_fraction(1.0, 0.0, mu=-10.0, sigma=0.2), 12)
    1.0
    """
    beta = _beta(b)
    if not sigma > 0:
        raise SimulationError(f"detection sigma={sigma!r} must be > 0")
    q_low = float(_detected_fraction_untruncated(beta, m_low, mu, sigma))
    if mmax is None:
        return q_low
    span = float(mmax) - float(m_low)
    if not span > 0:
        raise SimulationError(f"mmax={mmax!r} must exceed the lowest magnitude {m_low!r}")
    w = np.exp(-beta * span)
    q_high = float(_detected_fraction_untruncated(beta, mmax, mu, sigma))
    return (q_low - w * q_high) / (1.0 - w)


def _beta(b) -> float:
    b = float(b)
    if not (np.isfinite(b) and b > 0):
        raise SimulationError(f"b-value {b!r} is invalid (expected a finite number > 0)")
    return b * _LN10


def bin_magnitudes(m, dm: float) -> np.ndarray:
    """Round magnitudes to bins of width ``dm`` through integer indices ``round(m / dm)``.

    Values are ``index / (1/dm)`` when ``1/dm`` is an integer, so 0.1-bins give 2.3, not
    2.3000000000000003.
    """
    dm = float(dm)
    if not dm > 0:
        raise SimulationError(f"bin width dm={dm!r} must be > 0")
    k = np.rint(np.asarray(m, dtype=float) / dm)
    inv = 1.0 / dm
    if abs(inv - round(inv)) < 1e-9:
        return k / round(inv)
    return k * dm


def _on_grid(name, value, dm):
    ratio = value / dm
    if abs(ratio - round(ratio)) > 1e-6:
        raise SimulationError(f"{name}={value!r} is not a multiple of the bin width dm={dm!r} "
                              "(binned magnitudes are bin centres k*dm)")


@dataclass(frozen=True)
class GutenbergRichter:
    """A Gutenberg-Richter magnitude distribution, optionally truncated, binned and incomplete.

    Parameters
    ----------
    b : float
        b-value (> 0).
    mmin : float
        Minimum magnitude (bin centre if ``dm`` is given). Rates of the simulators count the
        events of the *true* catalogue with ``m >= mmin``.
    mmax : float, optional
        Maximum magnitude (truncated GR).
    dm : float, optional
        Bin width; magnitudes are rounded to ``k * dm``.
    detection : (mu, sigma), optional
        Ogata-Katsura detection curve; makes the catalogue incomplete.
    m_low : float, optional
        With ``detection``: the lowest true magnitude simulated (default
        ``min(mmin, mu - 5 sigma)``, rounded down to the bin grid), so events below ``mmin``
        that happen to be detected appear in the catalogue.
    """

    b: float = 1.0
    mmin: float = 0.0
    mmax: float | None = None
    dm: float | None = None
    detection: tuple[float, float] | None = None
    m_low: float | None = None

    def __post_init__(self):
        _beta(self.b)
        if not np.isfinite(self.mmin):
            raise SimulationError(f"mmin={self.mmin!r} must be finite")
        if self.mmax is not None and not self.mmax > self.mmin:
            raise SimulationError(f"mmax={self.mmax!r} must exceed mmin={self.mmin!r}")
        if self.dm is not None:
            if not self.dm > 0:
                raise SimulationError(f"bin width dm={self.dm!r} must be > 0")
            _on_grid("mmin", self.mmin, self.dm)
            if self.mmax is not None:
                _on_grid("mmax", self.mmax, self.dm)
        if self.detection is not None:
            mu, sigma = (float(v) for v in self.detection)
            if not (np.isfinite(mu) and sigma > 0):
                raise SimulationError(f"detection={self.detection!r} must be (mu, sigma) with "
                                      "finite mu and sigma > 0")
            object.__setattr__(self, "detection", (mu, sigma))
            if self.m_low is None:
                low = min(self.mmin, mu - 5.0 * sigma)
                if self.dm is not None:
                    low = float(bin_magnitudes(np.floor(low / self.dm + 1e-9) * self.dm,
                                               self.dm))
                object.__setattr__(self, "m_low", low)
            else:
                if self.m_low > self.mmin:
                    raise SimulationError(f"m_low={self.m_low!r} must be <= mmin={self.mmin!r}")
                if self.dm is not None:
                    _on_grid("m_low", self.m_low, self.dm)
        elif self.m_low is not None:
            raise SimulationError("m_low is only used together with detection=(mu, sigma)")

    @property
    def beta(self) -> float:
        """``b ln 10``."""
        return _beta(self.b)

    def _continuous_bounds(self, low):
        half = 0.0 if self.dm is None else 0.5 * self.dm
        upper = None if self.mmax is None else self.mmax + half
        return low - half, upper

    def observed_per_complete(self) -> float:
        """Expected number of *observed* events per true event with ``m >= mmin``.

        1 for a complete catalogue; with ``detection`` it is the GR extrapolation down to
        ``m_low`` times the detected fraction (:func:`detected_fraction`).
        """
        if self.detection is None:
            return 1.0
        beta = self.beta
        lower, upper = self._continuous_bounds(self.mmin)
        low, _ = self._continuous_bounds(self.m_low)
        if upper is None:
            ratio = np.exp(beta * (lower - low))
        else:
            ratio = ((np.exp(-beta * (low - lower)) - np.exp(-beta * (upper - lower)))
                     / (1.0 - np.exp(-beta * (upper - lower))))
        mu, sigma = self.detection
        return float(ratio * detected_fraction(self.b, low, mu, sigma, upper))

    def _continuous(self, n, rng, low):
        lower, upper = self._continuous_bounds(low)
        beta = self.beta
        if upper is None:
            return lower + rng.standard_exponential(n) / beta
        # inverse CDF of the truncated exponential
        frac = -np.expm1(-beta * (upper - lower))
        return lower - np.log1p(-rng.random(n) * frac) / beta

    def _finish(self, m):
        if self.dm is None:
            return m
        out = bin_magnitudes(m, self.dm)
        lo = self.m_low if self.detection is not None else self.mmin
        out = np.maximum(out, lo)
        if self.mmax is not None:
            out = np.minimum(out, self.mmax)
        return out

    def sample(self, n: int, seed=None) -> np.ndarray:
        """``n`` magnitudes of observed events (all events if the catalogue is complete)."""
        n = int(n)
        if n < 0:
            raise SimulationError(f"number of magnitudes n={n} must be >= 0")
        rng = np.random.default_rng(seed)
        if self.detection is None:
            return self._finish(self._continuous(n, rng, self.mmin))
        mu, sigma = self.detection
        low, upper = self._continuous_bounds(self.m_low)
        qbar = detected_fraction(self.b, low, mu, sigma, upper)
        if not qbar > 1e-9:
            raise SimulationError(f"detection={self.detection!r} detects almost no events "
                                  f"above m_low={self.m_low!r}")
        kept = []
        have = 0
        while have < n:
            batch = int(np.ceil((n - have) / qbar * 1.1)) + 16
            m = self._continuous(batch, rng, self.m_low)
            m = m[rng.random(batch) < special.ndtr((m - mu) / sigma)]
            kept.append(m)
            have += m.size
        return self._finish(np.concatenate(kept)[:n])

    def to_dict(self) -> dict:
        """JSON-able parameters."""
        d = asdict(self)
        if d["detection"] is not None:
            d["detection"] = [float(v) for v in d["detection"]]
        return d


def gr_magnitudes(n: int, b: float = 1.0, mmin: float = 0.0, *, mmax: float | None = None,
                  dm: float | None = None, seed=None) -> np.ndarray:
    """``n`` Gutenberg-Richter magnitudes.

    Parameters
    ----------
    n : int
    b : float
        b-value.
    mmin : float
        Minimum magnitude (lowest bin centre when ``dm`` is given).
    mmax : float, optional
        Truncation (largest bin centre when binned).
    dm : float, optional
        Bin width; magnitudes are multiples of ``dm``.
    seed : int, numpy.random.Generator or None

    Examples
    --------
    >>> m = gr_magnitudes(5, b=1.0, mmin=1.0, mmax=3.0, seed=0)
    >>> bool(((m >= 1.0) & (m <= 3.0)).all())
    True
    """
    return GutenbergRichter(b=b, mmin=mmin, mmax=mmax, dm=dm).sample(n, seed)


def incomplete_gr_magnitudes(n: int, b: float, m_low: float, mu: float, sigma: float, *,
                             mmax: float | None = None, dm: float | None = None,
                             seed=None) -> np.ndarray:
    """``n`` observed magnitudes: GR from ``m_low`` thinned by ``Phi((m - mu) / sigma)``.

    Examples
    --------
    >>> m = incomplete_gr_magnitudes(2000, 1.0, 0.0, mu=1.0, sigma=0.2, dm=0.1, seed=1)
    >>> bool(m.min() >= 0.0), bool(abs(float(m.mean()) - 1.4) < 0.2)
    (True, True)
    """
    gr = GutenbergRichter(b=b, mmin=m_low, mmax=mmax, dm=dm, detection=(mu, sigma), m_low=m_low)
    return gr.sample(n, seed)
