"""Ridgecrest M 7.1's recordings (the shared strong-motion data) against BSSA14 with a point source and with the
rupture (`evaluate --gmm bssa14 --src`): how much of the event's +0.57 ln comes from taking the epicentral distance for
R_JB.

    python docs/analysis/ridgecrest_fault.py OUT_DIR [SRC…]      (default SRC: docs/analysis/ridgecrest_m7.1.src)

`preprocess`es the event's 13 stations (DMG, FDSN miniSEED + StationXML, SAC — whose header says nm/s² for values in
g: --units g), the event's magnitude and hypocentre from the manifest, each station's sta_lat/sta_lon from its file's
header (a `preprocess` store keeps them). Prints, per source, the 0.05–1 s band
bias, its sd, the PGA bias and the band bias by R_JB bin (docs/MEASUREMENTS.md, "A scenario against BSSA14").
"""
import csv
import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "strongmotion"
EVENT = "20190706_ridgecrest_m7.1"
CLI = [sys.executable, str(Path(__file__).resolve().parents[2] / "cli.py")]


def recordings(out: Path, data: Path) -> Path:
    rows = [r for r in csv.DictReader(open(data / "manifest.csv")) if f"/{EVENT}/" in r["path"]]
    ev = rows[0]
    (out / "event.csv").write_text("event,magnitude,hypo_lat,hypo_lon,hypo_depth_km\n"
                                   f"{EVENT},{ev['magnitude']},{ev['hypo_lat']},{ev['hypo_lon']},{ev['hypo_depth_km']}\n")
    store = out / "recordings.zarr"
    if not store.exists():
        for kinds, extra in ((("dmg", "fdsn_mseed+stationxml"), []), (("sac",), ["--units", "g"])):
            subprocess.run([*CLI, "preprocess", *(str(data / k / EVENT) for k in kinds), "--event-from", "folder",
                            "--out", str(store), "--metadata", str(out / "event.csv"), "--quiet", *extra], check=True)
    return store


def main(out, *sources):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    store = recordings(out, DATA)
    sources = sources or (str(Path(__file__).with_name("ridgecrest_m7.1.src")),)
    for name, extra in (("point source", []), *((Path(s).stem, ["--src", s]) for s in sources)):
        folder = out / f"gmm_{name.replace(' ', '_')}"
        subprocess.run([*CLI, "evaluate", "--gmm", "bssa14", "--generated", str(store), "--out", str(folder), *extra],
                       check=True, capture_output=True)
        r = json.loads((folder / "metrics.json").read_text())
        print(f"{name:18s} {r['n_stations']} stations, mechanism {r['mechanism']}: band {r['band_bias_ln']:+.2f} (sd "
              f"{r['band_sd_ln']:.2f}), PGA {r['bias_ln'][0]:+.2f}; by R_JB: " + ", ".join(
                  f"{b['rjb_km'][0]:g}–{b['rjb_km'][1] or '∞'} km ({b['n_stations']}) {b['band_bias_ln']:+.2f}"
                  for b in r["by_distance"]))


if __name__ == "__main__":
    main(*sys.argv[1:])
