"""Acoustic-emission amplitude and energy to magnitude, with documented relations.

Laboratory catalogues (ECLD) give the size of an event as a peak amplitude (volts at the
transducer, or dB), as an energy, or already as a magnitude (metadata ``size_format``). The
b-value methods need magnitudes, so this module converts with a **named, citable** relation the
user selects; each relation records its formula and citation (:data:`RELATIONS`).

Amplitude relations
    ``log_amplitude`` (default): :math:`m = \\log_{10}(A / A_{ref})`, with the amplitude at the
    transducer (preamplifier gain removed) and :math:`A_{ref}` = 1 µV. Equivalently
    :math:`m = A_{dB}/20` with :math:`A_{dB} = 20\\log_{10}(A/1\\,\\mu V)`, the usual AE
    amplitude in dB. This is the relative "AE magnitude" of rock-physics laboratories: with it
    the amplitude-frequency slope is directly a seismic b-value (the rule "AE b-value =
    20 x slope of log N against dB"), as used by Sammonds, Meredith & Main (1992, Nature 359,
    228-230) and reviewed by Lockner (1993, Int. J. Rock Mech. Min. Sci. 30, 883-899). The
    magnitude is relative: absolute source size needs a calibration and a distance correction.

Energy relations (energy in joules unless ``relative``)
    ``gutenberg_richter_1956``: :math:`\\log_{10}E = 1.5M + 4.8` (Gutenberg & Richter 1956,
    Ann. Geofis. 9, 1-15; 11.8 with E in erg).
    ``kanamori_1977``: moment magnitude through :math:`M_0 = 2\\times10^4 E`
    (Kanamori 1977, JGR 82, 2981-2987) and :math:`M_w = (\\log_{10}M_0 - 9.1)/1.5`
    (Hanks & Kanamori 1979, JGR 84, 2348-2350; :math:`M_0` in N m).
    ``choy_boatwright_1995``: energy magnitude :math:`M_e = \\tfrac23\\log_{10}E - 2.9`
    (Choy & Boatwright 1995, JGR 100, 18205-18228).
    ``relative`` (for energies in instrument units, e.g. V²s): :math:`m = \\tfrac23
    \\log_{10}(E/E_{ref})`; keeps the scaling :math:`E \\propto 10^{1.5m}` of the relations
    above, so b-values are comparable, while the zero is arbitrary.

Non-positive amplitudes or energies become NaN (with a :class:`~varpy.exceptions.DataWarning`).

Examples
--------
>>> from varpy.preparation.conversions import amplitude_to_magnitude, energy_to_magnitude
>>> amplitude_to_magnitude([1e-3, 1e-2], unit="V").tolist()
[3.0, 4.0]
>>> amplitude_to_magnitude([60.0, 80.0], unit="dB").tolist()
[3.0, 4.0]
>>> round(float(energy_to_magnitude(10 ** 9.3)), 6)
3.0
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError, DataWarning, UnknownFormatError

__all__ = [
    "Relation",
    "RELATIONS",
    "amplitude_to_magnitude",
    "energy_to_magnitude",
    "catalogue_magnitudes",
    "relations_table",
]

_AMPLITUDE_UNITS = {"V": 1.0, "mV": 1e-3, "uV": 1e-6, "µV": 1e-6}


@dataclass(frozen=True)
class Relation:
    """A size-to-magnitude relation: what it converts, its formula and where it comes from."""

    name: str
    quantity: str
    formula: str
    citation: str
    function: Callable[[np.ndarray], np.ndarray]


def _log_amplitude(a_ref_units: np.ndarray) -> np.ndarray:
    # input: amplitude already divided by the reference amplitude
    return np.log10(a_ref_units)


RELATIONS: dict[str, Relation] = {
    "log_amplitude": Relation(
        "log_amplitude", "amplitude", "m = log10(A / A_ref) = A_dB / 20, A_ref = 1 uV",
        "Sammonds, Meredith & Main (1992) Nature 359, 228-230; Lockner (1993) Int. J. Rock "
        "Mech. Min. Sci. 30, 883-899",
        _log_amplitude),
    "gutenberg_richter_1956": Relation(
        "gutenberg_richter_1956", "energy", "log10 E[J] = 1.5 M + 4.8",
        "Gutenberg & Richter (1956) Ann. Geofis. 9, 1-15",
        lambda e: (np.log10(e) - 4.8) / 1.5),
    "kanamori_1977": Relation(
        "kanamori_1977", "energy", "M0 = 2e4 E; Mw = (log10 M0[N m] - 9.1) / 1.5",
        "Kanamori (1977) JGR 82, 2981-2987; Hanks & Kanamori (1979) JGR 84, 2348-2350",
        lambda e: (np.log10(2e4 * e) - 9.1) / 1.5),
    "choy_boatwright_1995": Relation(
        "choy_boatwright_1995", "energy", "Me = (2/3) log10 E[J] - 2.9",
        "Choy & Boatwright (1995) JGR 100, 18205-18228",
        lambda e: (2.0 / 3.0) * np.log10(e) - 2.9),
    "relative": Relation(
        "relative", "energy", "m = (2/3) log10(E / E_ref)",
        "scaling E ~ 10^(1.5 m) of Gutenberg & Richter (1956); zero arbitrary",
        lambda e: (2.0 / 3.0) * np.log10(e)),
}


def relations_table() -> pd.DataFrame:
    """The available relations with their formulas and citations."""
    return pd.DataFrame([{"name": r.name, "quantity": r.quantity, "formula": r.formula,
                          "citation": r.citation} for r in RELATIONS.values()])


def _relation(name: str, quantity: str) -> Relation:
    known = [k for k, r in RELATIONS.items() if r.quantity == quantity]
    if name not in known:
        raise UnknownFormatError(f"{quantity}-to-magnitude relation", str(name), known)
    return RELATIONS[name]


def _positive(values, what: str) -> tuple[np.ndarray, object]:
    index = values.index if isinstance(values, pd.Series) else None
    try:
        x = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"{what} values are not numeric: {exc}", column=what,
                              expected=f"positive float {what}s") from exc
    bad = ~(x > 0) & ~np.isnan(x)
    if bad.any():
        warnings.warn(f"{int(bad.sum())} non-positive {what} value(s) (first at position "
                      f"{int(np.flatnonzero(bad)[0])}) have no magnitude and became NaN",
                      DataWarning, stacklevel=3)
        x[bad] = np.nan
    return x, index


def _wrap(out: np.ndarray, index, scalar: bool):
    if scalar:
        return float(out.reshape(-1)[0])
    if index is not None:
        return pd.Series(out, index=index, name="magnitude")
    return out


def amplitude_to_magnitude(amplitude, *, unit: str = "V", relation: str = "log_amplitude",
                           gain_db: float = 0.0, reference: float = 1e-6):
    """Magnitude from AE peak amplitude.

    Parameters
    ----------
    amplitude : float, array-like or pandas.Series
        Peak amplitudes.
    unit : {'V', 'mV', 'uV', 'dB'}
        Volts (or mV, µV) as recorded, or dB relative to ``reference`` volts.
    relation : str
        Name in :data:`RELATIONS` (amplitude relations: ``log_amplitude``).
    gain_db : float
        Preamplifier gain in dB included in the recorded amplitude; it is removed
        (:math:`A_{sensor} = A / 10^{gain/20}`, or :math:`A_{dB} - gain` for dB).
    reference : float
        Reference amplitude in volts (1 µV, the AE dB convention).

    Returns
    -------
    float, numpy.ndarray or pandas.Series

    Examples
    --------
    >>> amplitude_to_magnitude(0.1, unit="V", gain_db=40.0)
    3.0
    """
    rel = _relation(relation, "amplitude")
    scalar = np.ndim(amplitude) == 0
    if unit == "dB":
        try:
            db = np.array(amplitude, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"amplitude values are not numeric: {exc}", column="amplitude",
                                  expected="amplitudes in dB") from exc
        index = amplitude.index if isinstance(amplitude, pd.Series) else None
        ratio = 10.0 ** ((db - float(gain_db)) / 20.0)
    else:
        if unit not in _AMPLITUDE_UNITS:
            raise DataFormatError(f"unknown amplitude unit {unit!r}", key="unit",
                                  expected="'V', 'mV', 'uV' or 'dB'")
        a, index = _positive(amplitude, "amplitude")
        volts = a * _AMPLITUDE_UNITS[unit] / 10.0 ** (float(gain_db) / 20.0)
        ratio = volts / float(reference)
    return _wrap(np.asarray(rel.function(ratio), dtype=np.float64), index, scalar)


def energy_to_magnitude(energy, *, relation: str = "gutenberg_richter_1956",
                        reference: float = 1.0):
    """Magnitude from event energy.

    Parameters
    ----------
    energy : float, array-like or pandas.Series
        Energies in joules (any positive unit for ``relation='relative'``).
    relation : str
        ``gutenberg_richter_1956`` (default), ``kanamori_1977``, ``choy_boatwright_1995`` or
        ``relative`` (see the module docstring).
    reference : float
        :math:`E_{ref}` of the ``relative`` relation (ignored by the others).

    Examples
    --------
    >>> energy_to_magnitude([1.0, 1000.0], relation="relative").tolist()
    [0.0, 2.0]
    """
    rel = _relation(relation, "energy")
    scalar = np.ndim(energy) == 0
    e, index = _positive(energy, "energy")
    if relation == "relative":
        if not float(reference) > 0:
            raise DataFormatError(f"reference energy {reference!r}", key="reference",
                                  expected="a positive energy")
        e = e / float(reference)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.asarray(rel.function(e), dtype=np.float64)
    return _wrap(out, index, scalar)


def catalogue_magnitudes(catalogue: pd.DataFrame, size_format: str | None = None,
                         **options) -> pd.Series:
    """Magnitudes of a laboratory catalogue, converting amplitude or energy when needed.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        ECLD table with a ``magnitude``, ``amplitude`` or ``energy`` column.
    size_format : {'magnitude', 'amplitude', 'energy'}, optional
        Which column holds the event size (metadata ``size_format``); by default the first of
        ``magnitude``, ``amplitude``, ``energy`` present.
    **options
        Passed to :func:`amplitude_to_magnitude` or :func:`energy_to_magnitude` (``relation``,
        ``unit``, ``gain_db``, ``reference``).

    Examples
    --------
    >>> import pandas as pd
    >>> cat = pd.DataFrame({"time": [0.5, 1.0], "amplitude": [1e-3, 1e-2]})
    >>> catalogue_magnitudes(cat).tolist()
    [3.0, 4.0]
    """
    if size_format is None:
        for col in ("magnitude", "amplitude", "energy"):
            if col in catalogue.columns:
                size_format = col
                break
        else:
            raise DataFormatError("catalogue has no event-size column", column="magnitude",
                                  expected="a 'magnitude', 'amplitude' or 'energy' column")
    if size_format not in ("magnitude", "amplitude", "energy"):
        raise DataFormatError(f"size_format={size_format!r}", key="size_format",
                              expected="'magnitude', 'amplitude' or 'energy'")
    if size_format not in catalogue.columns:
        raise DataFormatError(f"size_format is {size_format!r} but the catalogue has no such "
                              "column", column=size_format,
                              expected=f"a {size_format!r} column")
    values = catalogue[size_format]
    if size_format == "magnitude":
        if options:
            raise DataFormatError(f"options {sorted(options)} do not apply to magnitudes",
                                  key=sorted(options)[0], expected="no conversion options")
        return values.astype(np.float64).rename("magnitude")
    if size_format == "amplitude":
        return amplitude_to_magnitude(values, **options)
    return energy_to_magnitude(values, **options)

