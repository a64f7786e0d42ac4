"""Per-station files of a grid run: distinct stations whose names make the same file name ('A B' and
'A_B', 'Åre' and 'Are', 'ab' and 'AB') get distinct files, named the same on every run, and each file
holds its own station's samples."""
import numpy as np
import pytest

from seisdiff.errors import UserError
from seisdiff.io.grid_store import GridWriter, station_file_stems
from seisdiff.io.readers import read

STATIONS = ["A B", "A_B", "OK1", "Åre", "Are", "ab", "AB", "", "?"]


def test_stems_are_unique_and_stable():
    stems = station_file_stems(STATIONS)
    assert stems == ["A_B_0", "A_B_1", "OK1", "Are_3", "Are_4", "ab_5", "AB_6", "station", "_"]
    assert len({s.lower() for s in stems}) == len(STATIONS)
    assert station_file_stems(STATIONS) == stems
    assert station_file_stems(["A B", "OK1"]) == ["A_B", "OK1"]                    # no collision: name unchanged


def test_an_index_meeting_another_name_is_one_clear_error():
    with pytest.raises(UserError, match="same name"):
        station_file_stems(["A B", "A_B", "A_B_1"])


def _writer(tmp_path, stations, block_stations=2):
    import zarr

    n, c, length = len(stations), 2, 300
    group = zarr.open_group(str(tmp_path / "out.zarr"), mode="w", zarr_format=3)
    group.create_array("acceleration", shape=(n, c, length), dtype="float32", fill_value=np.nan)
    for name, values in (("station", stations), ("network", ["XX"] * n)):
        arr = group.create_array(name, shape=(n,), dtype=str)
        arr[:] = np.asarray(values, dtype=str)
    n_blocks = -(-n // block_stations)
    group.create_array("committed", shape=(n_blocks,), chunks=(1,), dtype="uint8", fill_value=0)
    group.attrs.update({"block_stations": block_stations, "n_blocks": n_blocks, "components": ["H1", "Z"],
                        "sampling_rate_hz": 50.0, "start_time": "2021-05-06T07:08:09.5"})
    return GridWriter(tmp_path / "out.zarr", group)


@pytest.mark.parametrize("fmt", ["mseed", "sac", "at2"])
def test_colliding_stations_each_keep_their_files(tmp_path, fmt):
    writer = _writer(tmp_path, STATIONS)
    acc = np.random.default_rng(2).standard_normal((len(STATIONS), 2, 300)).astype(np.float32)
    acc *= np.arange(1, len(STATIONS) + 1, dtype=np.float32)[:, None, None]       # each station its own level
    folder = tmp_path / f"out_{fmt}"
    for b in range(writer.n_blocks):
        lo, hi = writer.block_range(b)
        writer.write_block(b, acc[lo:hi], files=(folder, fmt))
    files = sorted(folder.iterdir())
    assert len(files) == len(STATIONS) * (1 if fmt == "mseed" else 2)
    suffix = {"mseed": ".mseed", "sac": ".sac", "at2": ".AT2"}[fmt]
    for i, stem in enumerate(station_file_stems(STATIONS)):
        paths = ([folder / f"{stem}{suffix}"] if fmt == "mseed"
                 else [folder / f"{stem}_{c}{suffix}" for c in ("H1", "Z")])
        recs = [r for p in paths for r in (read(p, units="m/s^2") if fmt == "mseed" else read(p))]
        np.testing.assert_allclose(np.stack([r.acc_mps2 for r in recs]), acc[i], rtol=2e-7, atol=1e-12)
