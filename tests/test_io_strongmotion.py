"""Every trace of ../shared/data/strongmotion/manifest.csv read by seisdiff.io.read against the
manifest's independent reference values (skips when the shared data are absent).

Per file: the trace count; each trace's demeaned peak acceleration within 2 % (5 % where the
response is removed from counts); for formats whose header gives the hypocentre, magnitude within 0.7
and hypocentral distance within 10 % (or 10 km) on at least 90 % of the traces. Records are matched
to manifest rows one to one by peak acceleration (readers need not keep gmprocess's trace order).
"""
from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from conftest import STRONGMOTION_DIR

HYPOCENTRE_FORMATS = {"knet", "kiknet", "cwb", "geonet", "esm", "nsmn", "unam", "cosmos", "smc"}
RESPONSE_FORMATS = {"fdsn_mseed+stationxml"}


def _manifest() -> dict[str, list[dict]]:
    rows = defaultdict(list)
    path = STRONGMOTION_DIR / "manifest.csv"
    if path.is_file():
        with open(path, newline="") as fh:
            for row in csv.DictReader(fh):
                rows[row["path"]].append(row)
    return dict(sorted(rows.items()))


MANIFEST = _manifest()


def _pga_tolerance(fmt: str) -> float:
    return 0.05 if fmt in RESPONSE_FORMATS else 0.02


def _match(records, rows, fmt):
    """Pairs (row, record) matching each row to a distinct record by demeaned PGA (closest first)."""
    peaks = [float(np.max(np.abs(r.acc_mps2 - r.acc_mps2.mean()))) for r in records]
    pairs, used = [], set()
    for row in sorted(rows, key=lambda r: -float(r["pga_demeaned_mps2"])):
        want = float(row["pga_demeaned_mps2"])
        free = [k for k in range(len(records)) if k not in used]
        k = min(free, key=lambda k: abs(peaks[k] - want))
        used.add(k)
        pairs.append((row, records[k], peaks[k]))
    return pairs


# The CSN SAC files declare acceleration in nm/s² (idep=IACC) but hold g (the manifest's reference read
# them with a conversion factor of 980.665): their readers refuse them unless told `units="g"`.
UNITS_GIVEN = {"sac": "g"}


def _read(path: Path, fmt: str = ""):
    from seisdiff.io import read

    return read(path, units=UNITS_GIVEN.get(fmt))


@pytest.mark.parametrize("rel", list(MANIFEST) or ["(absent)"])
def test_manifest_trace_count_and_pga(strongmotion_dir, rel):
    rows = MANIFEST[rel]
    fmt = rows[0]["format"]
    records = _read(strongmotion_dir / rel, fmt)
    assert len(records) == len(rows), f"{rel}: {len(records)} traces read, manifest has {len(rows)}"
    tol = _pga_tolerance(fmt)
    for row, rec, peak in _match(records, rows, fmt):
        want = float(row["pga_demeaned_mps2"])
        assert abs(peak / want - 1) <= tol, f"{rel} {row['channel']}: PGA {peak:.5g} m/s² vs {want:.5g}"
        assert rec.sampling_rate_hz == pytest.approx(float(row["sampling_rate_hz"]), rel=1e-3)


def test_manifest_magnitude_and_distance(strongmotion_dir):
    """Over the traces of the formats whose header gives the hypocentre: magnitude within 0.7 and
    hypocentral distance within 10 % or 10 km on ≥ 90 % of them. A header holds the network's own
    location and magnitude type (JMA's Mj, the Mexican SSN's epicentre for Puebla 2017, 30 km from the
    catalogue's), hence the tolerances and a share rather than every trace."""
    tally = defaultdict(lambda: [0, 0, 0])   # format → [traces, magnitude right, distance right]
    for rel, rows in MANIFEST.items():
        fmt = rows[0]["format"]
        if fmt not in HYPOCENTRE_FORMATS:
            continue
        for row, rec, _ in _match(_read(strongmotion_dir / rel, fmt), rows, fmt):
            mag, dist = rec.metadata.get("magnitude", math.nan), rec.metadata.get("distance_km", math.nan)
            ref = float(row["hypocentral_distance_km"])
            counts = tally[fmt]
            counts[0] += 1
            counts[1] += abs(mag - float(row["magnitude"])) <= 0.7
            counts[2] += abs(dist - ref) <= max(0.1 * ref, 10.0)
    assert set(tally) == HYPOCENTRE_FORMATS
    checked, good_mag, good_dist = (sum(c[i] for c in tally.values()) for i in range(3))
    detail = ", ".join(f"{f} {c[1]}/{c[2]}/{c[0]}" for f, c in sorted(tally.items()))
    assert good_mag >= 0.9 * checked, f"magnitude right on {good_mag}/{checked} (format mag/dist/traces: {detail})"
    assert good_dist >= 0.9 * checked, f"distance right on {good_dist}/{checked} (format mag/dist/traces: {detail})"
    for fmt, (n, ok_mag, ok_dist) in tally.items():   # every format reads its header, not just some
        assert ok_mag > 0 and ok_dist > 0, f"{fmt}: no magnitude or distance read ({detail})"


def test_usc_magnitude_from_the_real_header(strongmotion_dir):
    """USC files gave no magnitude: their real header holds it (line 2, field 4: 5.9, Whittier Narrows' ML 5.9;
    the manifest has the preliminary ML 6.1 of the CDMG files) beside the epicentral distance, which agrees with
    the header's coordinates and the manifest's hypocentral distance less its depth. No depth is read (the
    header's field after the magnitude is not known to be one), so no hypocentral distance."""
    from seisdiff.io.formats.common import hypocentral_distance_km

    rels = [rel for rel, rows in MANIFEST.items() if rows[0]["format"] == "usc"]
    assert len(rels) == 4
    for rel in rels:
        (row,), (rec,) = MANIFEST[rel], _read(strongmotion_dir / rel, "usc")
        meta = rec.metadata
        assert meta["magnitude"] == 5.9 and abs(meta["magnitude"] - float(row["magnitude"])) <= 0.25, rel
        epicentral_km = hypocentral_distance_km(meta["hypo_lat"], meta["hypo_lon"], 0.0, meta["sta_lat"],
                                                meta["sta_lon"])
        reference_km = math.sqrt(float(row["hypocentral_distance_km"]) ** 2 - float(row["hypo_depth_km"]) ** 2)
        assert epicentral_km == pytest.approx(reference_km, rel=0.05), rel
        assert "hypo_depth_km" not in meta and "distance_km" not in meta, rel


def test_sac_in_g_under_an_nm_header_is_refused_as_a_unit_error(strongmotion_dir):
    from seisdiff.errors import InputError
    from seisdiff.io import read

    for rel, rows in MANIFEST.items():
        if rows[0]["format"] == "sac":
            with pytest.raises(InputError, match=r"likely in g.*--units g"):
                read(strongmotion_dir / rel)


def test_every_file_detected_once(strongmotion_dir):
    """Each data file of the folder is recognised by at most one native-format sniffer."""
    from seisdiff.io.formats import modules, read_head

    for rel in MANIFEST:
        path = strongmotion_dir / rel
        head = read_head(path)
        hits = [m.NAME for m in modules() if m.sniff(head, path)]
        assert len(hits) <= 1, f"{rel}: claimed by {hits}"


def test_preprocess_stores_the_whole_folder_by_event(strongmotion_dir, tmp_path):
    """`preprocess strongmotion/ --units g` (the SAC files hold g under an nm/s² header) stores every
    trace, RENADIC parts joined, each record named by its event folder, metadata from the headers."""
    from seisdiff.io.store import open_store
    from seisdiff.preprocess import run_preprocess

    summary = run_preprocess([str(strongmotion_dir)], tmp_path / "sm.zarr", units="g", progress=False)
    assert summary.skipped == []
    parts = sum(1 for rel in MANIFEST if "parte" in rel)          # files that are a later part of a record
    joined_away = sum(len(rows) for rel, rows in MANIFEST.items() if "parte2" in rel)
    assert parts == 4 and summary.records_in == sum(len(r) for r in MANIFEST.values())
    store = open_store(tmp_path / "sm.zarr")
    assert len(store) == summary.records_in - joined_away
    ids = store.record_ids.tolist()
    assert len(set(ids)) == len(ids)
    events = store.column("event")
    assert set(events) == {rows[0]["event"] for rows in MANIFEST.values()}
    assert all(rid.startswith(f"{ev}.") for rid, ev in zip(ids, events))
    # regions (for grouped cross-validation) and component kinds (horizontal or vertical) for every record
    assert set(store.column("region")) == {"japan", "taiwan", "new_zealand", "chile_mexico",
                                           "mediterranean_middle_east", "western_us"}
    kinds = store.column("component")
    assert np.isin(kinds, ["H1", "H2", "H", "Z"]).all()
    assert abs((kinds == "Z").sum() - sum(r["channel"].endswith("Z") for rows in MANIFEST.values() for r in rows
                                          if "parte2" not in r["path"])) <= 3   # AK.BMR's vertical is labelled HN1
    # the header formats fill magnitude and distance without a CSV
    by_format = {rows[0]["format"] for rows in MANIFEST.values()}
    assert by_format >= HYPOCENTRE_FORMATS
    assert np.isfinite(store.column("magnitude")).sum() >= sum(
        len(rows) for rows in MANIFEST.values() if rows[0]["format"] in HYPOCENTRE_FORMATS) * 0.9
