"""Header metadata the native readers take (magnitude and its type, places, times), checked on the
shared strong-motion files (skipped when absent) edited where a header field is blank in them."""
from __future__ import annotations

import pytest

from seisdiff.io import read


def _edited(strongmotion_dir, tmp_path, relative: str, old: str, new: str):
    text = (strongmotion_dir / relative).read_bytes().decode("latin-1")
    assert old in text
    out = tmp_path / (strongmotion_dir / relative).name
    out.write_bytes(text.replace(old, new).encode("latin-1"))
    return out


def test_bhrc_prefers_mw_to_the_first_magnitude_written(strongmotion_dir, tmp_path):
    path = _edited(strongmotion_dir, tmp_path, "bhrc/20120811_ahar/5520-1.V1",
                   "mb      Ms      Mw6.1", "mb5.6    Ms5.9   Mw6.1")
    meta = read(path)[0].metadata
    assert (meta["magnitude"], meta["magnitude_type"]) == (6.1, "Mw")


def test_a_record_rows_hypocentre_gives_its_distance_over_the_headers(strongmotion_dir, tmp_path):
    # K-NET's header rounds the hypocentre (41.0 N 142.5 E, 30 km): a per-record CSV row with the
    # catalogue's hypocentre must give the distance from it (the manifest's 138.25 km), not 147.5 km
    from seisdiff.preprocess.metadata import load_metadata_csv, lookup

    rec = read(strongmotion_dir / "knet/20180124_aomori/AOM0011801241951.NS")[0]
    csv = tmp_path / "records.csv"
    csv.write_text(f"record_id,hypo_lat,hypo_lon,hypo_depth_km\n{rec.record_id},41.1034,142.4323,31.0\n")
    out = lookup(load_metadata_csv(csv), [rec.record_id], None, rec.event, rec.metadata,
                 station=rec.station, network=rec.network)
    assert out["hypo_depth_km"] == 31.0
    assert abs(out["distance_km"] - 138.25) < 0.05


@pytest.mark.parametrize("header, expected", [
    ("HYPOCENTER: 36.1S 72.9W H= 30.0KM ML= 0.00 MW= 8.8", (8.8, "Mw")),   # RENADIC: a zero ML is not given
    ("MS=6.6(NEIC), MW=6.4(CIT)", (6.4, "Mw")),                           # DMG: Mw before the first written
    ("ML=5.1 MS=5.3", (5.1, "ML")),
    ("MW= 0.0", (None, "")),
])
def test_labelled_magnitudes_prefer_mw_and_skip_zeros(header, expected):
    """RENADIC took the first label on its line: `ML= 0.00` before `MW= 8.8` gave no magnitude at all."""
    from seisdiff.io.formats.common import labelled_magnitude
    from seisdiff.io.formats.renadic import _hypocentre

    assert labelled_magnitude(header) == expected
    if "HYPOCENTER" in header:
        assert (_hypocentre(header)["magnitude"], _hypocentre(header)["magnitude_type"]) == expected
