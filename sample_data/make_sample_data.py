"""Regenerate varpy's synthetic sample data, byte for byte.

Usage::

    python sample_data/make_sample_data.py [OUTPUT_DIR]

(default: the folder holding this script). Two projects are written, in the text formats of
VarPy 2016's sample data so the same importers read them, each file beside a YAML metadata file
naming its importer (``format``), its VarPy ``location`` and the simulation (simulator,
parameters, seed):

``volcano/`` (id ``SYNVOLC``), 5 years of a synthetic volcano from
:func:`varpy.simulation.simulate_volcano_data` (VarPy 2016's cycle model, b = 1.5, binned 0.1,
incomplete below M ~ 2 by an Ogata-Katsura detection curve):

* ``SYNVOLC_ecvd.txt``: INGV-CT Etna catalogue layout, tab-separated, CRLF: id, dd-mm-yyyy,
  hh:mm:ss, latitude, longitude, depth (km), magnitude, type flag (2 = ML), place;
* ``SYNVOLC_evd.txt``: Etna eruption list, tab-separated, LF: start dd/mm/yyyy, end
  dd/mm/yyyy, type, vent, elevation, area, volume, description;
* ``SYNVOLC_tilt_<station>.txt``: Etna tilt layout, ``dd/mm/yyyy<TAB>microradians``, LF, daily.

``lab/`` (id ``SYNLAB``), a creep-to-failure experiment from
:func:`varpy.simulation.simulate_lab_data` (defaults close to UCL's DDS-7 sample):

* ``SYNLAB_scld.txt``: UCL v1 9-column layout with its header, tab-separated, CRLF;
* ``SYNLAB_ecld.txt``: two-column AE catalogue, ``seconds<TAB>magnitude``, no header, LF.

Event times are truncated to whole seconds (the catalogue format has no fractions).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from varpy.simulation import simulate_lab_data, simulate_volcano_data

HERE = Path(__file__).resolve().parent

VOLCANO_ID = "SYNVOLC"
VOLCANO_SEED = 20160614
VOLCANO_PARAMS = {
    "duration": 1826.0,                 # 5 years from 2000-01-01
    "start": "2000-01-01",
    "recharge_duration": 300.0,
    # unrest in the regime the failure-forecast method is built for: an accelerating inverse
    # Omori rate with a few hundred events above completeness before each eruption, clustered
    # (30 % of unrest events trigger offspring), on top of background and post-eruption
    # aftershocks (VarPy's k = 10, p = 0.85 gave 89 events and little acceleration)
    "precursor_k": 25.0,
    "precursor_p": 0.9,
    "precursor_branching": 0.3,
    "detection": [1.8, 0.15],           # 50 % detection at M 1.8
    "stations": {"TLT1": 1.0, "TLT2": 0.6},
}

LAB_ID = "SYNLAB"
LAB_SEED = 20140101
LAB_PARAMS = {
    "sample_interval": 5.0,
    "detection": [0.15, 0.1],
    # a weaker primary (decelerating) creep transient than DDS-7 and a small AE background, so
    # the tertiary inverse-Omori acceleration dominates after 3000 s (with DDS-7's primary
    # k = 200 the decaying transient biases every forecast early)
    "primary_k": 30.0,
    "background_rate": 0.005,
}

_COMPASS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"]


def _yaml(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True,
                          width=100)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return path


def _place(lat, lon, lat0, lon0):
    north = (lat - lat0) * 111.19492664455873
    east = (lon - lon0) * 111.19492664455873 * np.cos(np.radians(lat0))
    dist = np.hypot(north, east)
    sector = np.mod(np.rint(np.degrees(np.arctan2(east, north)) / 45.0), 8).astype(int)
    return [f"{d:.1f} km {_COMPASS[s]} of Synthetic Vent" for d, s in zip(dist, sector)]


def write_volcano(outdir: Path) -> list[Path]:
    """Simulate the sample volcano and write it under ``outdir/volcano``."""
    out = simulate_volcano_data(seed=VOLCANO_SEED, **VOLCANO_PARAMS)
    folder = outdir / "volcano"
    params = out["metadata"]["ecvd"]["simulation"]["parameters"]
    written = []

    ecvd = out["ecvd"]
    times = ecvd["time"].dt.floor("s")
    place = _place(ecvd["latitude"].to_numpy(), ecvd["longitude"].to_numpy(),
                   params["latitude"], params["longitude"])
    lines = [
        f"{eid}\t{t:%d-%m-%Y}\t{t:%H:%M:%S}\t{lat:.3f}\t{lon:.3f}\t{dep:.2f}\t{mag:.1f}\t2\t{pl}"
        for eid, t, lat, lon, dep, mag, pl in zip(
            ecvd["event_id"], times, ecvd["latitude"], ecvd["longitude"], ecvd["depth"],
            ecvd["magnitude"], place)]
    written.append(_write(folder / f"{VOLCANO_ID}_ecvd.txt", "".join(l + "\r\n" for l in lines)))

    evd = out["evd"]
    rows = []
    for i, r in enumerate(evd.itertuples(index=False)):
        description = (f"Synthetic eruption {i + 1}: unrest {r.precursor_days:.1f} d before the "
                       f"onset, {r.deflation:.1f} microradians of deflation")
        rows.append(f"{r.start:%d/%m/%Y}\t{r.end:%d/%m/%Y}\t{r.type}\t{r.vent}\t\t\t\t"
                    f"{description}")
    written.append(_write(folder / f"{VOLCANO_ID}_evd.txt", "".join(l + "\n" for l in rows)))

    for station, series in out["scvd"].items():
        text = "".join(f"{t:%d/%m/%Y}\t{v:.5f}\n" for t, v in zip(series["time"], series["tilt"]))
        written.append(_write(folder / f"{VOLCANO_ID}_tilt_{station}.txt", text))

    simulation = out["metadata"]["ecvd"]["simulation"]
    simulation = {**simulation,
                  "eruption_onsets": [f"{t:%Y-%m-%dT%H:%M:%S}Z" for t in evd["start"]],
                  "eruption_ends": [f"{t:%Y-%m-%dT%H:%M:%S}Z" for t in evd["end"]],
                  "note": "synthetic data; 'location' names the file format (VarPy convention)"}
    start = pd.Timestamp(VOLCANO_PARAMS["start"])
    finish = start + pd.Timedelta(days=VOLCANO_PARAMS["duration"])
    common = {"time_start": f"{start:%d-%m-%Y}", "time_finish": f"{finish:%d-%m-%Y}",
              "location": "Etna", "location_unit": "degrees", "depth_unit": "km",
              "ongoing": False}
    meta = {
        "ecvd": {"id": VOLCANO_ID, "datatype": "ecvd", "format": "etna_ingv", **common,
                 "date_format": "dd-mm-yyyy", "time_format": "hh:mm:ss",
                 "simulation": simulation},
        "evd": {"id": VOLCANO_ID, "datatype": "evd", "format": "etna_eruptions", **common,
                "date_format": "dd/mm/yyyy", "simulation": simulation},
    }
    for kind, md in meta.items():
        written.append(_write(folder / f"{VOLCANO_ID}_{kind}_meta.yaml", _yaml(md)))
    for station in out["scvd"]:
        md = {"id": VOLCANO_ID, "datatype": "scvd", "format": "etna_tilt", **common,
              "date_format": "dd/mm/yyyy", "station": station, "tilt_unit": "microradians",
              "simulation": simulation}
        written.append(_write(folder / f"{VOLCANO_ID}_tilt_{station}_meta.yaml", _yaml(md)))
    return written


def _g(value, digits=7):
    return f"{value:.{digits}g}"


def write_lab(outdir: Path) -> list[Path]:
    """Simulate the sample creep experiment and write it under ``outdir/lab``."""
    out = simulate_lab_data(seed=LAB_SEED, **LAB_PARAMS)
    folder = outdir / "lab"
    written = []
    scld = out["scld"]
    header = ("time (mins)\ttime (secs)\tstress (Mpa)\tstrain (%)\tstrain\tpore volume (cm3)\t"
              "confining pressure (Mpa)\tpore pressure (Mpa)\teffective pressure (Mpa)")
    lines = [header]
    for r in scld.itertuples(index=False):
        lines.append("\t".join([
            _g(r.time_minutes), _g(r.time), _g(r.stress), _g(r.axial_strain),
            _g(r.axial_strain / 100.0), _g(r.pore_volume), _g(r.confining_pressure),
            _g(r.pore_pressure), _g(r.effective_pressure)]))
    written.append(_write(folder / f"{LAB_ID}_scld.txt", "".join(l + "\r\n" for l in lines)))

    ecld = out["ecld"]
    # truncate (not round) the times: events crowd towards tf and must stay before it
    micro = np.floor(ecld["time"].to_numpy() * 1e6) / 1e6
    text = "".join(f"{t:.6f}\t{m:.3f}\n" for t, m in zip(micro, ecld["magnitude"]))
    written.append(_write(folder / f"{LAB_ID}_ecld.txt", text))

    md_common = {key: out["metadata"]["ecld"][key] for key in ("t0", "t1", "tf")}
    simulation = out["metadata"]["ecld"]["simulation"]
    common = {"id": LAB_ID, **md_common, "location": "UCL", "time_unit": "seconds",
              "datetime_format": "seconds", "ongoing": False}
    meta = {
        "scld": {**common, "datatype": "scld", "format": "ucl_v1", "simulation": simulation},
        "ecld": {**common, "datatype": "ecld", "format": "ae_two_column",
                 "size_format": "magnitude", "simulation": simulation},
    }
    for kind, md in meta.items():
        written.append(_write(folder / f"{LAB_ID}_{kind}_meta.yaml", _yaml(md)))
    return written


README = """\
# varpy sample data (synthetic)

Generated by `make_sample_data.py` (fixed seeds; rerunning it rewrites these files byte for
byte). Nothing here is real data: see each `*_meta.yaml` for the simulator, its parameters and
seed.

- `volcano/`: 5 years of a synthetic volcano (INGV-CT Etna text formats): earthquake catalogue
  (ECVD), eruption list (EVD), daily tilt at two stations (SCVD).
- `lab/`: a synthetic creep-to-failure experiment: UCL v1 stress/strain file (SCLD) and a
  two-column acoustic-emission catalogue (ECLD, seconds and magnitude).

## The truths behind the data

What a forecast made from these files should recover (from the simulation itself).

### Volcano (`volcano.yaml`)

Background {background_rate} events/day (M >= {mmin}); each eruption is preceded by unrest whose
earthquakes follow an inverse Omori law `k (tf + c - t)^-p` (singularity `c` = {precursor_c} days
after the onset), each unrest event triggering on average {branching} direct offspring (Omori
kernel, c = {branching_c} d, p = {branching_p}); each eruption starts a modified Omori aftershock
sequence. Gutenberg-Richter b = {b}, magnitudes binned {dm}, half the events of M {det_mu} detected.

| eruption | onset (UTC) | unrest from | k (per day) | p | unrest events (all M) |
|---|---|---|---|---|---|
{eruption_rows}
The main job (`varpy run sample_data/volcano.yaml`) forecasts eruption 3 from 2003-07-15;
`volcano_hard.yaml` is the harder case: the same forecast from the events of M >= 2.2 only (60
instead of 169 events in the eight months before the eruption), where most forecasts are
flagged or unbounded, and reported so.

### Laboratory (`lab.yaml`)

Loading from {t0:g} s, creep from t1 = {t1:g} s, failure at tf = {tf:g} s (seconds since the start
of the experiment). Acoustic emissions during creep: primary creep `{primary_k:g} (t - t1 +
{primary_c:g})^-{primary_p:g}`, tertiary creep `{tertiary_k:g} (tf + {tertiary_c:g} - t)^-{tertiary_p:g}`,
background {background_lab:g} AE/s; b = {b_lab:g}. {n_ae} AE in the catalogue, {n_ae_after} of them
after 3000 s.
"""


def readme() -> str:
    """``README.md``: what the files hold and the truths of their simulations."""
    vol = simulate_volcano_data(seed=VOLCANO_SEED, **VOLCANO_PARAMS)
    vp = vol["metadata"]["ecvd"]["simulation"]["parameters"]
    evd, ecvd = vol["evd"], vol["ecvd"]
    rows = []
    for i, r in enumerate(evd.itertuples(index=False)):
        unrest = r.start - pd.Timedelta(days=r.precursor_days)
        n = int(((ecvd["eruption"] == i) & ecvd["source"].isin(["precursor", "triggered"])).sum())
        rows.append(f"| {i + 1} | {r.start:%Y-%m-%d %H:%M} | {unrest:%Y-%m-%d} | "
                    f"{r.precursor_k:.2f} | {r.precursor_p:.3f} | {n} |")
    lab = simulate_lab_data(seed=LAB_SEED, **LAB_PARAMS)
    lp = lab["metadata"]["ecld"]["simulation"]["parameters"]
    ae = lab["ecld"]["time"].to_numpy()
    return README.format(
        background_rate=vp["background_rate"], mmin=vp["mmin"], precursor_c=vp["precursor_c"],
        branching=vp["precursor_branching"], branching_c=vp["branching_c"],
        branching_p=vp["branching_p"], b=vp["b"], dm=vp["dm"], det_mu=vp["detection"][0],
        eruption_rows="\n".join(rows) + "\n", t0=lp["t0"], t1=lp["t1"], tf=lp["tf"],
        primary_k=lp["primary_k"], primary_c=lp["primary_c"], primary_p=lp["primary_p"],
        tertiary_k=lp["tertiary_k"], tertiary_c=lp["tertiary_c"], tertiary_p=lp["tertiary_p"],
        background_lab=lp["background_rate"], b_lab=lp["b"], n_ae=ae.size,
        n_ae_after=int((ae >= 3000.0).sum()))


def write_all(outdir: Path = HERE) -> list[Path]:
    """Write every sample file under ``outdir``; returns the paths written."""
    outdir = Path(outdir)
    written = write_volcano(outdir) + write_lab(outdir)
    written.append(_write(outdir / "README.md", readme()))
    return written


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    outdir = Path(argv[0]) if argv else HERE
    for path in write_all(outdir):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
