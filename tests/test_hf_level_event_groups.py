"""Stations of one event placed among each other by the level model (engine/hf_level.py): a dead channel
(constant counts) is refused, not placed among its event's stations; under torchrun every rank places its
stations among all of their event's files."""
import numpy as np
import pytest
import torch
from synth import accelerogram

from seisdiff.engine import hf_level
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.whole import prepare_conditioning

KNET_HEADER = """Origin Time       2018/01/24 19:51:00
Lat.              41.0
Long.             142.5
Depth. (km)       30
Mag.              6.2
Station Code      {station}
Station Lat.      {lat}
Station Long.     141.1972
Station Height(m) 10
Record Time       2018/01/24 19:51:40
Sampling Freq(Hz) 100Hz
Duration Time(s)  {duration_s}
Dir.              N-S
Scale Factor      7845(gal)/8223790
Max. Acc. (gal)   {pga_gal:.3f}
Last Correction   2018/01/24 19:51:41
Memo.
"""


def write_knet(path, counts, station, lat):
    counts = np.asarray(counts, np.int64)
    rows = ["".join(f"{c:9d}" for c in counts[i:i + 8]) for i in range(0, len(counts), 8)]
    gal = 7845 / 8223790 * np.abs(counts - counts.mean()).max()
    path.write_text(KNET_HEADER.format(station=station, lat=lat, pga_gal=gal, duration_s=len(counts) // 100)
                    + "\n".join(rows) + "\n")
    return path


def test_a_dead_channel_is_refused_and_moves_no_other_stations_place(tmp_path):
    """A channel of constant counts (a dead sensor's offset) was conditioned to rounding noise (1e-15 m/s²)
    and placed among its event's stations: the event's mean ln peak fell by ~6 and the real stations' high
    bands were made 0.5–0.9 ln weaker (PGA × 0.33–0.47, the shipped level model)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        counts = 4220 + np.round(accelerogram(i, n=6000, pga=0.2 + 0.1 * i) * 100 / (7845 / 8223790))
        write_knet(folder / f"ST{i}.NS", counts, f"ST{i}", 41.1 + 0.1 * i)
    alone = prepare_conditioning([str(folder)], tmp_path / "alone.zarr", PreprocessConfig(), progress=False)
    write_knet(folder / "DEAD.NS", np.full(6000, 4230), "DEAD", 41.6)
    prepared = prepare_conditioning([str(folder)], tmp_path / "with.zarr", PreprocessConfig(), progress=False)
    assert [f for f, _ in prepared.skipped] == [str(folder / "DEAD.NS")]
    assert "all samples are equal" in prepared.skipped[0][1]
    assert prepared.store.record_ids.tolist() == alone.store.record_ids.tolist()
    assert len(set(prepared.store.column("event"))) == 1 and np.isfinite(prepared.store.column("distance_km")).all()
    np.testing.assert_allclose(hf_level.store_within_event(prepared.store), hf_level.store_within_event(alone.store))


def _forced_default(tmp_path):
    """The shipped few-step model with its level model acting on every region (its "regions" emptied)."""
    from seisdiff.pretrained import DISTILLED_CHECKPOINT

    if not DISTILLED_CHECKPOINT.is_file():
        pytest.skip("no shipped distilled model")
    ckpt = torch.load(DISTILLED_CHECKPOINT, weights_only=True)
    assert ckpt["level_model"]["within"] and ckpt["level_model"]["distance"]
    ckpt["level_model"]["regions"] = []
    torch.save(ckpt, tmp_path / "forced.pt")
    return tmp_path / "forced.pt"


def test_torchrun_ranks_place_each_station_among_all_its_events_files(tmp_path, monkeypatch):
    """Waveform files under torchrun: each rank conditioned only its share of the files, so the level model
    placed each station among that share (rank 1's lone station among none): on 4 K-NET stations of one
    event, 2 ranks moved the high bands by ±0.15–0.17 ln and PGA by 18–31 % from the one-process output."""
    from seisdiff.cli import main
    from seisdiff.io.store import open_store

    ckpt, folder = _forced_default(tmp_path), tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        counts = 4220 + np.round(accelerogram(i, n=3000, pga=0.2 + 0.1 * i) * 100 / (7845 / 8223790))
        write_knet(folder / f"ST{i}.NS", counts, f"ST{i}", 41.1 + 0.15 * i ** 1.5)

    def sample(out):
        assert main(["sample", "--checkpoint", str(ckpt), "--cond", str(folder), "--out", str(out),
                     "--no-progress"]) == 0
    sample(tmp_path / "one.zarr")
    monkeypatch.setenv("WORLD_SIZE", "2")
    for rank in (1, 0):
        monkeypatch.setenv("RANK", str(rank))
        sample(tmp_path / "two")
    one, merged = open_store(tmp_path / "one.zarr"), open_store(tmp_path / "two" / "samples.zarr")
    assert sorted(merged.record_ids) == sorted(one.record_ids) and len(one) == 4
    a = one.read()["broadband"][np.argsort(one.record_ids)]
    b = merged.read()["broadband"][np.argsort(merged.record_ids)]
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-5 * np.abs(a).max())


def _windowed_store(path, later: bool):
    """Four stations of one event (their strong-motion windows `_w0`, distances 20–160 km), with the two
    nearest stations' two later windows (`_w1`, `_w2`: the coda, 10× and 30× weaker) when `later`."""
    from seisdiff.dsp import lowpass
    from seisdiff.io.store import create_store, open_store

    ids, bb, dist = [], [], []
    for s in range(4):
        for w, gain in enumerate((1.0, 0.1, 0.03)[:3 if later and s < 2 else 1]):
            ids.append(f"ST{s}_HNE_w{w}")
            bb.append(gain * accelerogram(10 * s + w, n=1024, pga=0.1 * (1 + s)))
            dist.append(20.0 * 2 ** s)
    bb = np.asarray(bb, np.float32)[:, None, :]
    w = create_store(path, sampling_rate_hz=100.0, length=1024, lowpass_hz=1.0)
    w.append(bb, lowpass(bb, 100.0, 1.0), ids, {"event": np.array(["ev"] * len(ids)), "distance_km": np.array(dist),
                                                "component": np.array(["HNE"] * len(ids))})
    return open_store(path)


def test_a_stations_later_windows_are_no_more_stations_of_its_event(tmp_path):
    """`fit` places a record among its event's strong-motion windows only; `sample` placed it among every
    window of the store (the coda's `_w1`, `_w2` counted as weaker stations): on a `preprocess --windows 3`
    store of 27 K-NET strong-motion windows the shipped level model's levels of those moved by a median
    +0.05 ln (at most +0.07 / +0.17 ln in 2–6 / 8–25 Hz) when the later windows were in the store."""
    from seisdiff.engine.hf_level import relative_ln_distance, store_within_event, strong_motion_windows

    alone, full = _windowed_store(tmp_path / "alone.zarr", False), _windowed_store(tmp_path / "full.zarr", True)
    first = strong_motion_windows(full.record_ids)
    assert first.sum() == len(alone) == 4 and len(full) == 8
    np.testing.assert_allclose(store_within_event(full)[first], store_within_event(alone), atol=1e-12)
    rel = relative_ln_distance(full.column("event"), full.column("distance_km"), first)
    np.testing.assert_allclose(rel[first], relative_ln_distance(alone.column("event"), alone.column("distance_km")),
                               atol=1e-12)
    np.testing.assert_allclose(rel[~first], np.repeat(rel[first][:2], 2), atol=1e-12)   # a later window: its station's
