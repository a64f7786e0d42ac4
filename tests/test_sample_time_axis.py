"""`sample` keeps the input's time axis (issue #18, ARCHITECTURE invariants 7–8): each waveform comes back
whole — sample count at the model's rate, start time, NET/STA/LOC/CHA codes — and its low band (the
model's low-pass) matches the input acceleration's at zero lag, for AT2, SAC (IACC and IVEL) and
miniSEED inputs of odd lengths at 100 and 200 Hz; velocity output; three components with their own
noise; implausible levels warned about; a velocity file without units refused in one line.

The low band is fixed by --lf-merge, so a tiny model trained a few steps and 2 DDIM steps suffice."""

import numpy as np
import obspy
import pytest
from obspy.core import AttribDict
from scipy import signal
from synth import accelerogram, whole_record_checkpoint, write_at2

from seisdiff.cli import main
from seisdiff.dsp import lowpass
from seisdiff.io.readers import read
from seisdiff.io.store import open_store
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.whole import condition_whole, level_warning, samples_at

FS, FC = 100.0, 1.0
START = "2021-03-04T05:06:07.250000Z"
CASES = [(fs, n) for fs in (100.0, 200.0) for n in (6001, 18000)]


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    return whole_record_checkpoint(tmp_path_factory.mktemp("tiny_axis"), steps=20)


def _sample(ckpt, *args):
    return main(["sample", "--checkpoint", str(ckpt), "--no-progress", "--sampler", "ddim", "--steps", "2",
                 *map(str, args)])


def _signal(seed, n, fs, peak):
    """An accelerogram-like trace (n,) band-limited to 0.15–25 Hz (zero-phase), inside the model's
    0.1–30 Hz band as processed records and simulation outputs are, with peak |value| = peak."""
    sos = signal.butter(4, [0.15, 25.0], "bandpass", fs=fs, output="sos")
    x = signal.sosfiltfilt(sos, accelerogram(seed, n=n, fs_hz=fs))
    return x * (peak / np.abs(x).max())


def _velocity(seed, n, fs, peak_mps=0.05):
    """A band-limited velocity (m/s) that starts and ends at rest."""
    return _signal(seed, n, fs, peak_mps)


def _write_sac(path, values_nm, fs, idep, sta, cha="HNE"):
    tr = obspy.Trace(np.asarray(values_nm, dtype=np.float32))
    tr.stats.update({"sampling_rate": fs, "network": "XX", "station": sta, "location": "00", "channel": cha,
                     "starttime": obspy.UTCDateTime(START)})
    tr.stats.sac = AttribDict(idep=idep)
    tr.write(str(path), format="SAC")


def _write_mseed(path, traces, fs, sta):
    stream = obspy.Stream()
    for cha, values in traces.items():
        tr = obspy.Trace(np.asarray(values, dtype=np.float64))
        tr.stats.update({"sampling_rate": fs, "network": "XX", "station": sta, "location": "10", "channel": cha,
                         "starttime": obspy.UTCDateTime(START)})
        stream += tr
    stream.write(str(path), format="MSEED")


def _low(x, fs):
    return lowpass(np.asarray(x, np.float64), fs, FC)


def _match(out_acc, ref_acc, fs_in):
    """(zero-lag correlation, rms ratio) of the output's low band against the reference acceleration's,
    both at the model's rate (200 Hz references: every second sample, which starts at the same time)."""
    ref = _low(ref_acc, fs_in)[:: int(round(fs_in / FS))]
    low = _low(out_acc, FS)
    assert low.shape == ref.shape
    return float(low @ ref / np.sqrt((low @ low) * (ref @ ref))), float(np.sqrt((low @ low) / (ref @ ref)))


def test_condition_whole_keeps_time_axis_and_is_linear():
    cfg = PreprocessConfig(sampling_rate_hz=FS, lowpass_hz=FC, margin_s=10.0)
    for fs, n in CASES:
        x = _signal(1, n, fs, 2.0)[None]
        bb, lp = condition_whole(x, fs, cfg)
        assert bb.shape == lp.shape == (1, samples_at(n, fs, FS)) == (1, round(n * FS / fs + 1e-9))
        corr, ratio = _match(bb[0], x[0], fs)              # the conditioning's low band is the input's
        assert corr > 0.998 and abs(ratio - 1) < 0.005, (fs, n, corr, ratio)   # 0.1 Hz band corner aside
        np.testing.assert_allclose(lp[0], _low(bb[0], FS), rtol=0, atol=1e-6 * np.abs(lp).max())
        bb3, lp3 = condition_whole(3e3 * x, fs, cfg)
        np.testing.assert_allclose(lp3, 3e3 * lp, rtol=1e-5, atol=1e-6 * np.abs(lp3).max())
    assert samples_at(6001, 200.0, 100.0) == 3001 and samples_at(18000, 200.0, 100.0) == 9000


def test_at2_and_sac_inputs_keep_length_start_codes_and_low_band(ckpt, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    refs = {}
    for j, (fs, n) in enumerate(CASES):
        acc = _signal(10 + j, n, fs, 1.5)
        write_at2(folder / f"A{j}.AT2", acc / 9.80665, 1 / fs, station=f"AT{j}", component="090")
        refs[f"A{j}"] = (acc, fs, n, "", ("", f"AT{j}", "", "090"))
        _write_sac(folder / f"S{j}.sac", acc * 1e9, fs, 8, f"SA{j}")
        refs[f"S{j}.XX.SA{j}.00.HNE"] = (acc, fs, n, START, ("XX", f"SA{j}", "00", "HNE"))
        vel = _velocity(20 + j, n, fs)
        _write_sac(folder / f"V{j}.sac", vel * 1e9, fs, 7, f"VE{j}")
        refs[f"V{j}.XX.VE{j}.00.HNE"] = (np.gradient(vel, 1 / fs, edge_order=2), fs, n, START, ("XX", f"VE{j}", "00", "HNE"))
    out = tmp_path / "out"
    assert _sample(ckpt, "--cond", folder, "--out", out, "--format", "mseed") == 0
    cond = open_store(tmp_path / "out_conditioning.zarr")
    assert sorted(cond.record_ids) == sorted(refs) and cond.length == 18000
    lengths = dict(zip(cond.record_ids, cond.column("n_samples")))
    for rid, (ref, fs, n, start, codes) in refs.items():
        (tr,) = obspy.read(str(out / f"{rid}_r0.mseed"))
        assert tr.stats.npts == lengths[rid] == samples_at(n, fs, FS) and tr.stats.sampling_rate == FS
        if start:
            assert tr.stats.starttime == obspy.UTCDateTime(start)
        got = (tr.stats.network, tr.stats.station, tr.stats.location, tr.stats.channel)
        assert got == codes if codes[0] else got[1:] == codes[1:2] + ("",) + codes[3:4]   # AT2: no net/loc
        corr, ratio = _match(tr.data, ref, fs)
        assert corr >= 0.98 and abs(ratio - 1) <= 0.10, (rid, corr, ratio)


def test_mseed_inputs_to_sac_and_store(ckpt, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    refs = {}
    for j, (fs, n) in enumerate(CASES):
        acc = _signal(30 + j, n, fs, 0.8)
        _write_mseed(folder / f"M{j}.mseed", {"HNZ": acc}, fs, f"MS{j}")
        refs[f"M{j}.XX.MS{j}.10.HNZ"] = (acc, fs, n)
    out = tmp_path / "sac"
    assert _sample(ckpt, "--cond", folder, "--units", "m/s^2", "--out", out, "--format", "sac") == 0
    for rid, (acc, fs, n) in refs.items():
        (tr,) = obspy.read(str(out / f"{rid}_r0.sac"))
        assert tr.stats.npts == samples_at(n, fs, FS) and tr.stats.starttime == obspy.UTCDateTime(START)
        assert (tr.stats.network, tr.stats.station, tr.stats.location, tr.stats.channel) == tuple(rid.split(".")[1:])
        corr, ratio = _match(tr.data.astype(np.float64) * 1e-9, acc, fs)
        assert corr >= 0.98 and abs(ratio - 1) <= 0.10, (rid, corr, ratio)
    store = tmp_path / "gen.zarr"
    assert _sample(ckpt, "--cond", folder, "--units", "m/s^2", "--out", store) == 0
    gen = open_store(store)
    assert gen.length == 18000 and gen.attrs["units"] == "m/s^2"
    # what the conditioning says of the records holds for the output (they were missing there)
    assert gen.attrs["whole_records"] is True and gen.attrs["channels"] == ["single trace"]
    assert gen.attrs["preprocess"] == open_store(tmp_path / "gen_conditioning.zarr").attrs["preprocess"]
    bb = gen.read()["broadband"]
    for i, rid in enumerate(gen.column("source_record_id")):
        acc, fs, n = refs[rid]
        m = samples_at(n, fs, FS)
        assert gen.column("n_samples")[i] == m and gen.column("start_time")[i].startswith("2021-03-04T05:06:07.25")
        assert (gen.column("station")[i], gen.column("channel")[i], gen.column("location")[i]) == \
            (rid.split(".")[2], "HNZ", "10")
        assert not bb[i, 0, m:].any()                                          # padding stays zero
        (tr,) = obspy.read(str(out / f"{rid}_r0.sac"))
        np.testing.assert_allclose(bb[i, 0, :m], tr.data * 1e-9, rtol=1e-5, atol=1e-6 * np.abs(bb[i]).max())


def test_at2_output_and_velocity_output(ckpt, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    vel = _velocity(5, 6001, FS, 0.08)
    (folder / "VEL.VT2").write_text(
        "PEER NGA\nQuake, 1/2/2003, STA9, 090\nVELOCITY TIME SERIES IN UNITS OF CM/S\n"
        "NPTS= 6001, DT= 0.0100 SEC\n" + "\n".join("%15.7E" % v for v in vel * 100) + "\n")
    assert _sample(ckpt, "--cond", folder, "--out", tmp_path / "at2", "--format", "at2") == 0
    lines = (tmp_path / "at2" / "VEL_r0.AT2").read_text().splitlines()
    assert lines[2] == "ACCELERATION TIME SERIES IN UNITS OF G" and "NPTS=    6001" in lines[3]
    assert "STA9" in lines[1] and "090" in lines[1]
    (rec,) = read(tmp_path / "at2" / "VEL_r0.AT2")
    corr, ratio = _match(rec.acc_mps2, np.gradient(vel, 0.01, edge_order=2), FS)
    assert corr >= 0.98 and abs(ratio - 1) <= 0.10
    # velocity out: integrated without drift, its low band is the input velocity's, and it ends at rest
    assert _sample(ckpt, "--cond", folder, "--out", tmp_path / "v", "--format", "mseed", "--output", "velocity") == 0
    (tr,) = obspy.read(str(tmp_path / "v" / "VEL_r0.mseed"))
    assert tr.stats.npts == 6001
    corr, ratio = _match(tr.data, vel, FS)
    assert corr >= 0.98 and abs(ratio - 1) <= 0.10, (corr, ratio)
    tail = np.abs(tr.data[-200:]).max()
    assert tail < 0.02 * np.abs(tr.data).max(), tail
    assert _sample(ckpt, "--cond", folder, "--out", tmp_path / "v.zarr", "--output", "velocity") == 2


def test_three_components_each_with_its_own_noise(ckpt, tmp_path):
    acc = _signal(3, 3001, FS, 1.0)
    _write_mseed(tmp_path / "three.mseed", {"HNE": acc, "HNN": acc, "HNZ": acc}, FS, "TRI")
    out = tmp_path / "three"
    assert _sample(ckpt, "--cond", tmp_path / "three.mseed", "--units", "m/s^2", "--out", out, "--format", "mseed") == 0
    traces = {c: obspy.read(str(out / f"three.XX.TRI.10.{c}_r0.mseed"))[0] for c in ("HNE", "HNN", "HNZ")}
    assert [t.stats.channel for t in traces.values()] == ["HNE", "HNN", "HNZ"]
    high = {c: t.data - _low(t.data, FS) for c, t in traces.items()}
    for a, b in (("HNE", "HNN"), ("HNE", "HNZ"), ("HNN", "HNZ")):   # same conditioning, other noise
        assert high[a] @ high[b] / np.sqrt((high[a] @ high[a]) * (high[b] @ high[b])) < 0.9
    from seisdiff.cli import build_parser

    help_text = " ".join(build_parser()._subparsers._group_actions[0].choices["sample"].format_help().split())
    assert "own noise" in help_text


def test_implausible_level_warns_with_the_likely_unit(ckpt, tmp_path, capsys):
    acc = _signal(4, 1500, FS, 3.0)
    write_at2(tmp_path / "HUGE.AT2", acc * 1e4, 0.01, units="G")                          # 3e4 "g"
    _write_mseed(tmp_path / "gal.mseed", {"HNE": acc * 100}, FS, "GAL")                  # cm/s² given as m/s²
    write_at2(tmp_path / "OK.AT2", acc / 9.80665, 0.01)
    assert _sample(ckpt, "--cond", tmp_path / "HUGE.AT2", tmp_path / "gal.mseed", tmp_path / "OK.AT2",
                   "--units", "m/s^2", "--out", tmp_path / "o.zarr") == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "warning" in line]
    assert len(lines) == 2, err
    assert any("HUGE.AT2" in line and "beyond any recorded ground motion" in line and "read as g" in line
               for line in lines)
    assert any("gal.mseed" in line and "looks like cm/s^2 read as m/s^2" in line for line in lines)
    assert level_warning(3.0, 1.0, FC, "m/s^2") is None
    assert "cm/s^2 read as m/s^2" in level_warning(300.0, 25.0, FC, "m/s^2")
    assert "low band" in level_warning(10.0, 25.0, FC, "m/s^2")      # the low band alone can be implausible


def test_velocity_without_units_is_one_clear_line_and_writes_nothing(ckpt, tmp_path, capsys):
    _write_mseed(tmp_path / "v.mseed", {"HHZ": _velocity(1, 3001, FS)}, FS, "VEL")
    out = tmp_path / "gen.zarr"
    assert _sample(ckpt, "--cond", tmp_path / "v.mseed", "--quantity", "velocity", "--out", out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "v.mseed" in err[0] and "--units" in err[0] and "velocity" in err[0], err
    assert not out.exists() and not (tmp_path / "gen_conditioning.zarr").exists()
    # with the unit, the same file is differentiated and generated
    assert _sample(ckpt, "--cond", tmp_path / "v.mseed", "--quantity", "velocity", "--units", "m/s",
                   "--out", out) == 0
    gen = open_store(out)
    corr, ratio = _match(gen.read()["broadband"][0, 0], np.gradient(_velocity(1, 3001, FS), 0.01, edge_order=2), FS)
    assert corr >= 0.98 and abs(ratio - 1) <= 0.10


def test_torchrun_ranks_of_different_lengths_merge_to_the_single_process_output(ckpt, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for j, n in enumerate((1500, 2001, 2500)):
        write_at2(folder / f"R{j}.AT2", _signal(40 + j, n, FS, 1.0) / 9.80665, 0.01, station=f"R{j}")
    assert _sample(ckpt, "--cond", folder, "--out", tmp_path / "one.zarr") == 0
    monkeypatch.setenv("WORLD_SIZE", "2")
    for rank in (1, 0):                      # rank 0 generates R0, R2 (2500 samples), rank 1 R1 (2001)
        monkeypatch.setenv("RANK", str(rank))
        assert _sample(ckpt, "--cond", folder, "--out", tmp_path / "two") == 0
    assert open_store(tmp_path / "two" / "rank1.zarr").column("n_samples").tolist() == [2001]
    one, merged = open_store(tmp_path / "one.zarr"), open_store(tmp_path / "two" / "samples.zarr")
    assert merged.length == one.length == 2500 and sorted(merged.record_ids) == sorted(one.record_ids)
    a, b = (np.argsort(s.record_ids) for s in (one, merged))
    np.testing.assert_array_equal(merged.column("n_samples")[b], one.column("n_samples")[a])
    np.testing.assert_array_equal(one.column("n_samples")[a], [1500, 2001, 2500])
    np.testing.assert_allclose(merged.read()["broadband"][b], one.read()["broadband"][a], rtol=0,
                               atol=1e-5 * np.abs(one.read()["broadband"]).max())


def test_sac_outputs_carry_the_inputs_station_and_event_places(ckpt, tmp_path):
    """A SAC input whose header places its station and event (stla, stlo, evla, evlo, evdp, mag) came out
    as SAC without them (and without the component's orientation): SAC's dist/az could not be computed."""
    folder = tmp_path / "in"
    folder.mkdir()
    fs, n = CASES[0]
    tr = obspy.Trace((_signal(5, n, fs, 0.5) * 1e9).astype(np.float32))
    tr.stats.update({"sampling_rate": fs, "network": "XX", "station": "PLC", "location": "", "channel": "HNN",
                     "starttime": obspy.UTCDateTime(START)})
    tr.stats.sac = AttribDict(idep=8, stla=35.5, stlo=-117.25, evla=35.77, evlo=-117.6, evdp=8.0, mag=6.4)
    tr.write(str(folder / "p.sac"), format="SAC")
    out = tmp_path / "sac"
    assert _sample(ckpt, "--cond", folder, "--out", out, "--format", "sac") == 0
    (got,) = obspy.read(str(next(out.glob("*_r0.sac"))))
    sac = got.stats.sac
    np.testing.assert_allclose([sac.stla, sac.stlo, sac.evla, sac.evlo, sac.evdp, sac.mag],
                               [35.5, -117.25, 35.77, -117.6, 8.0, 6.4], rtol=1e-6)
    assert (sac.cmpaz, sac.cmpinc) == (0.0, 90.0)
