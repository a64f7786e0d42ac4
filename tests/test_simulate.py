"""Stochastic simulator (Boore 2003): closed forms, spectra, scaling, published GMMs, AT2 and store output."""
import csv

import numpy as np
import pytest
from scipy import signal

from seisdiff import G_MPS2
from seisdiff.cli import main
from seisdiff.dsp import bandpass, lowpass
from seisdiff.errors import UserError
from seisdiff.io.store import open_store
from seisdiff.simulate import fourier_amplitude_mps, simulate_motion, simulate_three_component
from seisdiff.simulate import stochastic
from seisdiff.simulate.corpus import simulate_corpus, write_at2_corpus
from seisdiff.simulate.stochastic import (generic_velocity_profile, saragoni_hart_envelope,
                                          site_amplification)

FS_HZ, N_SAMPLES = 100.0, 8192
# Boore & Joyner (1997) generic rock (V30 = 618 m/s) amplification relative to β = 3.5 km/s
BJ97_FREQ_HZ = np.array([0.09, 0.16, 0.51, 0.84, 1.25, 2.26, 3.17, 6.05, 16.6, 61.2])
BJ97_AMP = np.array([1.10, 1.18, 1.42, 1.58, 1.74, 2.06, 2.25, 2.58, 3.13, 4.00])
BJ97_V30_MPS = 618.7


def _realizations(magnitude, distance_km, vs30_mps, n=20, seed=0, **kwargs):
    rng = np.random.default_rng(seed)
    return np.stack([simulate_motion(magnitude, distance_km, vs30_mps, FS_HZ, N_SAMPLES, rng, **kwargs)
                     for _ in range(n)])


def _psa_lsim(acc_mps2, fs_hz, period_s, damping=0.05):
    """5 %-damped PSA of each row of acc_mps2 (k, n): exact state-space SDOF response
    (scipy.signal.lsim, linear interpolation between samples), one block-diagonal system."""
    w = 2 * np.pi / period_s
    k = acc_mps2.shape[0]
    a = np.kron(np.eye(k), [[0.0, 1.0], [-w * w, -2 * damping * w]])
    b = np.kron(np.eye(k), [[0.0], [-1.0]])
    c = np.kron(np.eye(k), [[1.0, 0.0]])
    t = np.arange(acc_mps2.shape[1]) / fs_hz
    _, disp, _ = signal.lsim((a, b, c, np.zeros((k, k))), acc_mps2.T, t)
    return w * w * np.abs(disp).max(axis=0)


def test_fourier_spectrum_matches_boore_2003_closed_form():
    f = np.array([0.2, 0.5, 1.0, 2.0, 5.0, 10.0])
    for magnitude, distance_km in [(6.5, 20.0), (5.0, 100.0)]:
        m0 = 10 ** (1.5 * magnitude + 16.05)                          # dyne·cm
        fc = 4.906e6 * 3.7 * (100.0 / m0) ** (1 / 3)                  # Hz, 100 bar
        h = 10 ** (-0.405 + 0.235 * magnitude)
        r = np.sqrt(distance_km ** 2 + h ** 2)
        g = 1 / r if r <= 40 else (1 / 40) * np.sqrt(40 / r)
        c = 0.55 * 2.0 * 2 ** -0.5 / (4 * np.pi * 2.8 * 3.7e5 ** 3 * 1e5)
        amp = np.interp(np.log(f), np.log(BJ97_FREQ_HZ), BJ97_AMP) * np.sqrt(3.7 / 3.5)
        expected_cmps = (c * m0 * (2 * np.pi * f) ** 2 / (1 + (f / fc) ** 2) * g
                         * np.exp(-np.pi * f * r / (180 * f ** 0.45 * 3.7)) * np.exp(-np.pi * 0.04 * f) * amp)
        got = fourier_amplitude_mps(f, magnitude, distance_km, BJ97_V30_MPS)
        np.testing.assert_allclose(got, expected_cmps / 100, rtol=0.02)


def test_site_amplification_reproduces_bj97_generic_rock_and_vs30():
    amp = site_amplification(BJ97_FREQ_HZ, BJ97_V30_MPS, beta_source_kmps=3.5)
    np.testing.assert_allclose(amp, BJ97_AMP, rtol=0.02)
    for vs30 in (200.0, 400.0, 760.0, 1500.0):
        depth_km, beta_kmps = generic_velocity_profile(vs30)
        top = depth_km <= 0.03
        travel_s = np.trapezoid(1 / beta_kmps[top], depth_km[top])
        assert 0.03 / travel_s * 1000 == pytest.approx(vs30, rel=0.005)
    f = np.geomspace(0.2, 40, 30)
    amps = np.stack([site_amplification(f, v) for v in (200.0, 400.0, 760.0, 1500.0)])
    assert np.all(np.diff(amps, axis=0) < 0)  # softer site, larger amplification


def test_saragoni_hart_envelope_peak_and_decay():
    duration = 7.0
    t_eta = 2.0 * duration
    assert saragoni_hart_envelope(0.2 * t_eta, duration) == pytest.approx(1.0)
    assert saragoni_hart_envelope(t_eta, duration) == pytest.approx(0.05)
    t = np.linspace(0, 3 * t_eta, 3001)
    assert t[np.argmax(saragoni_hart_envelope(t, duration))] == pytest.approx(0.2 * t_eta, abs=t[1])


@pytest.mark.parametrize("magnitude, distance_km, vs30_mps, wave_trains",
                         [(6.5, 20.0, 400.0, False), (5.0, 100.0, 760.0, False), (6.5, 60.0, 400.0, True)])
def test_simulated_fourier_spectrum_matches_target(magnitude, distance_km, vs30_mps, wave_trains):
    acc = _realizations(magnitude, distance_km, vs30_mps, wave_trains=wave_trains)
    f = np.fft.rfftfreq(N_SAMPLES, 1 / FS_HZ)
    fas_rms = np.sqrt(np.mean(np.abs(np.fft.rfft(acc, axis=1) / FS_HZ) ** 2, axis=0))
    target = fourier_amplitude_mps(f, magnitude, distance_km, vs30_mps)
    band = (f >= 0.5) & (f <= 20)
    log_ratio = np.log(fas_rms[band] / target[band])
    print(f"M{magnitude} R={distance_km}: log-mean FAS ratio {log_ratio.mean():+.3f}")
    assert abs(log_ratio.mean()) < np.log(1.2)
    edges = np.geomspace(0.5, 20, 17)  # ~third-octave bands: the spectral shape, not only the level
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (f >= lo) & (f < hi)
        ratio = np.sqrt(np.mean(fas_rms[sel] ** 2) / np.mean(target[sel] ** 2))
        assert abs(np.log(ratio)) < 0.3, (lo, hi, ratio)


def test_wave_train_fractions_partition_the_energy():
    f = np.geomspace(0.01, 50.0, 400)
    for p_share in (stochastic.P_ENERGY_FRACTION, stochastic.P_ENERGY_FRACTION_VERTICAL):
        frac = stochastic.wave_train_fractions(f, p_share)
        np.testing.assert_allclose(frac["p"] + frac["s"] + frac["late"], 1.0, atol=1e-12)
        assert min(v.min() for v in frac.values()) >= 0.0
        # P: its share well above its corner, f² below it; late: LATE_FRACTION of the rest well below its corner
        np.testing.assert_allclose(frac["p"][f > 30], p_share, rtol=0.01)
        np.testing.assert_allclose(frac["p"][f < 0.02] / f[f < 0.02] ** 2, p_share / stochastic.P_CORNER_HZ ** 2,
                                   rtol=0.001)
        low = f < 0.05
        np.testing.assert_allclose(frac["late"][low], (1 - frac["p"][low]) * stochastic.LATE_FRACTION, rtol=1e-4)
        assert frac["late"][f > 5].max() < 1e-4


def _band_timing(acc_mps2, s_arrival_s):
    """Per row: (t95 of > 2 Hz − t95 of < 0.5 Hz (s), share of the > 2 Hz energy before the S arrival,
    share of the < 0.5 Hz energy before it)."""
    from seisdiff.dsp.intensity import arias_time

    x = bandpass(acc_mps2, FS_HZ, 0.1, 30.0)
    high, low = x - lowpass(x, FS_HZ, 2.0), lowpass(x, FS_HZ, 0.5)
    n_s = int(s_arrival_s * FS_HZ)
    before = [(b[:, :n_s] ** 2).sum(1) / (b ** 2).sum(1) for b in (high, low)]
    return arias_time(high, FS_HZ, 0.95) - arias_time(low, FS_HZ, 0.95), *before


def test_wave_trains_start_the_high_band_with_p_and_end_it_before_the_low_band():
    """One envelope: every band starts and ends together. Wave trains: before the S arrival the high
    band carries a share of its energy (P) that the low band does not, and the low band's late train
    outlasts the high band by seconds at 60 km (real records: a median 7 s, docs/MEASUREMENTS.md)."""
    magnitude, distance_km = 6.5, 60.0
    r_km = stochastic.effective_distance_km(magnitude, distance_km)
    s_arrival_s = 5.0 + r_km / stochastic.BETA_KMPS * (1 - 1 / stochastic.P_TO_S_VELOCITY)  # after 5 s of quiet
    one = _band_timing(_realizations(magnitude, distance_km, 400.0, n=12), s_arrival_s)
    trains = _band_timing(_realizations(magnitude, distance_km, 400.0, n=12, wave_trains=True), s_arrival_s)
    assert abs(np.median(one[0])) < 1.0
    assert np.median(trains[0]) < -3.0
    assert 0.5 < np.median(one[1]) / np.median(one[2]) < 2.0      # one envelope: the same share
    assert np.median(trains[1]) > 0.02                              # the P train's high band ...
    assert np.median(trains[1]) > 3 * np.median(trains[2])          # ... with little low band
    vertical = simulate_three_component(magnitude, distance_km, 400.0, FS_HZ, N_SAMPLES,
                                        np.random.default_rng(3), wave_trains=True)
    assert _band_timing(vertical[2:], s_arrival_s)[1][0] > _band_timing(vertical[:1], s_arrival_s)[1][0]


def test_pga_grows_with_magnitude_and_decays_with_distance():
    def median_pga(magnitude, distance_km):
        return np.median(np.abs(_realizations(magnitude, distance_km, 400.0, n=8)).max(axis=1))

    by_magnitude = [median_pga(m, 30.0) for m in (4.5, 5.5, 6.5, 7.5)]
    by_distance = [median_pga(6.5, r) for r in (5.0, 20.0, 60.0, 150.0, 300.0)]
    assert np.all(np.diff(by_magnitude) > 0), by_magnitude
    assert np.all(np.diff(by_distance) < 0), by_distance


@pytest.mark.parametrize("magnitude, distance_km", [(6.5, 20.0), (7.0, 50.0)])
def test_pga_and_psa_within_one_sigma_of_nga_west2_models(magnitude, distance_km):
    pygmm = pytest.importorskip("pygmm")
    acc = _realizations(magnitude, distance_km, 400.0)
    periods = np.array([0.2, 1.0])
    sim_g = np.array([np.median(np.abs(acc).max(axis=1))]
                     + [np.median(_psa_lsim(acc, FS_HZ, p)) for p in periods]) / G_MPS2
    scenario = pygmm.Scenario(mag=magnitude, dist_rup=distance_km, dist_jb=distance_km, dist_x=distance_km,
                              v_s30=400.0, mechanism="SS", dip=90, depth_tor=0.0, width=15.0)
    for model_class in (pygmm.BooreStewartSeyhanAtkinson2014, pygmm.AbrahamsonSilvaKamai2014,
                        pygmm.CampbellBozorgnia2014, pygmm.ChiouYoungs2014):
        model = model_class(scenario)
        log_p = np.log(model.periods)
        gmm_g = np.r_[model.pga, np.exp(np.interp(np.log(periods), log_p, np.log(model.spec_accels)))]
        sigma = np.r_[model.ln_std_pga, np.interp(np.log(periods), log_p, model.ln_stds)]
        eps = np.log(sim_g / gmm_g) / sigma
        print(f"M{magnitude} R={distance_km} km {model_class.__name__}: sim/GMM PGA, PSA(0.2 s), PSA(1 s) = "
              f"{np.round(sim_g / gmm_g, 2)}, in ln-sigma units {np.round(eps, 2)}")
        assert np.all(np.abs(eps) < 1.0)


def test_three_components_independent_with_vertical_scaled():
    rng = np.random.default_rng(3)
    acc = np.stack([simulate_three_component(6.0, 30.0, 400.0, FS_HZ, N_SAMPLES, rng) for _ in range(10)])
    assert acc.shape == (10, 3, N_SAMPLES)
    corr = np.corrcoef(acc[:, 0].ravel(), acc[:, 1].ravel())[0, 1]
    assert abs(corr) < 0.1
    rms = np.sqrt(np.mean(acc ** 2, axis=(0, 2)))
    assert rms[2] / np.sqrt(rms[0] * rms[1]) == pytest.approx(0.65, rel=0.15)


def test_simulate_motion_refuses_out_of_range_scenarios():
    rng = np.random.default_rng(0)
    for magnitude, distance_km in [(3.0, 20.0), (6.0, 500.0)]:
        with pytest.raises(UserError):
            simulate_motion(magnitude, distance_km, 400.0, FS_HZ, N_SAMPLES, rng)


def _corpus(n, seed=0, **kw):
    return list(simulate_corpus(n, (5.0, 7.0), (10.0, 100.0), (300.0, 700.0), FS_HZ, 2048, seed, **kw))


def test_corpus_is_reproducible_and_index_stable():
    a, b = _corpus(6), _corpus(9)
    for ra, rb in zip(a, b):
        np.testing.assert_array_equal(ra["acc_mps2"], rb["acc_mps2"])
        assert ra["record_id"] == rb["record_id"] and ra["magnitude"] == rb["magnitude"]
    assert [r["record_id"] for r in a] == [f"SIM{i:06d}" for i in range(6)]
    assert not np.array_equal(a[0]["acc_mps2"], _corpus(1, seed=1)[0]["acc_mps2"])
    skipped = _corpus(6, skip_ids={"SIM000001", "SIM000004"})
    assert [r["record_id"] for r in skipped] == ["SIM000000", "SIM000002", "SIM000003", "SIM000005"]
    np.testing.assert_array_equal(skipped[1]["acc_mps2"], a[2]["acc_mps2"])
    for r in b:
        assert r["acc_mps2"].shape == (1, 2048)
        assert 5.0 <= r["magnitude"] <= 7.0 and 10.0 <= r["distance_km"] <= 100.0
        assert 300.0 <= r["vs30_mps"] <= 700.0
    assert a[0]["event"] == a[3]["event"] != a[4]["event"]  # four records per event


def test_at2_files_in_g_read_back_as_mps2(tmp_path):
    records = _corpus(2, n_components=3)
    paths = write_at2_corpus(tmp_path, records)
    assert len(paths) == 6
    path = tmp_path / "SIM000001_H2.AT2"
    lines = path.read_text().splitlines()
    rec = records[1]
    assert lines[0] == (f"PEER NGA STRONG MOTION DATABASE RECORD LAYOUT, SIMULATED: M{rec['magnitude']:.2f}, "
                        f"R={rec['distance_km']:.1f} km, VS30={rec['vs30_mps']:.0f}")
    assert lines[1] == f"{rec['event']}, , SIM000001, H2"     # PEER's event, date, station, component
    assert lines[2] == "ACCELERATION TIME SERIES IN UNITS OF G"
    assert lines[3] == "NPTS=   2048, DT=   .0100 SEC"
    assert [len(line) for line in lines[4:]] == [75] * (2048 // 5) + [15 * (2048 % 5)]  # 5 × %15.7E
    values_g = np.concatenate([np.loadtxt(lines[4:-1]).ravel(), np.loadtxt(lines[-1:]).ravel()])  # last row short
    np.testing.assert_allclose(values_g * 9.80665, rec["acc_mps2"][1], rtol=1e-7,
                               atol=1e-7 * np.abs(rec["acc_mps2"][1]).max())
    with open(tmp_path / "metadata.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["record_id"] for r in rows] == [p.stem for p in paths]
    assert float(rows[4]["magnitude"]) == pytest.approx(rec["magnitude"], abs=1e-4)
    assert float(rows[4]["vs30_mps"]) == pytest.approx(rec["vs30_mps"], abs=0.01)


def test_cli_store_holds_band_passed_simulations_and_resumes(tmp_path):
    out = tmp_path / "sim.zarr"
    argv = ["simulate", "--out", str(out), "--duration-s", "20.48", "--magnitude", "5", "6", "--seed", "7"]
    assert main(argv + ["--n", "3"]) == 0
    assert main(argv + ["--n", "5"]) == 0
    store = open_store(out)
    assert len(store) == 5 and store.attrs["units"] == "m/s^2"
    expected = np.stack([r["acc_mps2"] for r in simulate_corpus(5, (5.0, 6.0), (10.0, 200.0), (250.0, 760.0),
                                                                 100.0, 2048, 7)])
    blk = store.read()
    np.testing.assert_allclose(blk["broadband"], bandpass(expected, 100.0, 0.1, 30.0).astype(np.float32),
                               rtol=1e-5, atol=1e-6 * np.abs(expected).max())
    np.testing.assert_allclose(blk["lowpass"], lowpass(blk["broadband"], 100.0, 1.0), rtol=1e-4,
                               atol=1e-6 * np.abs(blk["broadband"]).max())
    assert list(store.record_ids) == [f"SIM{i:06d}" for i in range(5)]
    assert np.all((store.column("magnitude") >= 5) & (store.column("magnitude") <= 6))
    assert main(argv[:-1] + ["8", "--n", "5"]) == 2  # another seed into the same store is refused
    assert main(argv + ["--n", "5", "--kappa0", "0.02", "0.06"]) == 2  # so is another κ0 range
    assert main(argv + ["--n", "5", "--wave-trains"]) == 2  # and wave trains into a one-envelope store
    # a store simulated before --kappa0 existed (κ0 fixed at 0.04 s) still resumes
    import zarr
    group = zarr.open_group(out, mode="r+")
    group.attrs["simulation"] = {k: v for k, v in group.attrs["simulation"].items() if k != "kappa0_range_s"}
    assert main(argv + ["--n", "6"]) == 0 and len(open_store(out)) == 6


def test_cli_wave_trains_store_resumes_only_with_them(tmp_path):
    out = tmp_path / "trains.zarr"
    argv = ["simulate", "--out", str(out), "--duration-s", "20.48", "--seed", "3", "--wave-trains"]
    assert main(argv + ["--n", "2"]) == 0
    assert main(argv[:-1] + ["--n", "3"]) == 2          # one envelope into a wave-train store: refused
    assert main(argv + ["--n", "3"]) == 0
    store = open_store(out)
    assert store.attrs["simulation"]["wave_trains"] is True and len(store) == 3
    expected = np.stack([r["acc_mps2"] for r in simulate_corpus(3, fs_hz=100.0, n_samples=2048, seed=3,
                                                                 wave_trains=True)])
    np.testing.assert_allclose(store.read()["broadband"], bandpass(expected, 100.0, 0.1, 30.0).astype(np.float32),
                               rtol=1e-5, atol=1e-6 * np.abs(expected).max())


def test_cli_refuses_ranges_outside_the_simulator(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "x"), "--magnitude", "3", "9"]) == 2
    assert "--magnitude" in capsys.readouterr().err


def test_site_kappa0_sets_the_measured_high_frequency_decay():
    """κ0 drawn per record from its own stream: a fixed κ0 leaves the corpus as it was, and the
    decay dsp.kappa measures on the records moves by the κ0 difference (path term unchanged)."""
    from seisdiff.dsp.kappa import kappa_s

    base = _corpus(4)
    fixed = _corpus(4, kappa0_range_s=(0.04, 0.04))
    for a, b in zip(base, fixed):
        np.testing.assert_array_equal(a["acc_mps2"], b["acc_mps2"])
        assert b["site_kappa0_s"] == pytest.approx(0.04)
    low, high = _corpus(4, kappa0_range_s=(0.02, 0.02)), _corpus(4, kappa0_range_s=(0.07, 0.07))
    k_low = kappa_s(np.concatenate([r["acc_mps2"] for r in low]), FS_HZ)
    k_high = kappa_s(np.concatenate([r["acc_mps2"] for r in high]), FS_HZ)
    np.testing.assert_allclose(k_high - k_low, 0.05, atol=0.006)
    assert np.median(k_low) > 0.02  # the path adds to the site's κ0
    spread = [r["site_kappa0_s"] for r in _corpus(8, kappa0_range_s=(0.01, 0.1))]
    assert min(spread) >= 0.01 and max(spread) <= 0.1 and len(set(spread)) == 8


@pytest.mark.parametrize("wave_trains, magnitude, distance_km, n_samples",
                         [(True, 6.0, 300.0, 4096), (False, 8.0, 300.0, 2048)])
def test_a_short_record_is_the_start_of_the_motion_not_all_of_its_energy(wave_trains, magnitude, distance_km,
                                                                         n_samples):
    """A record shorter than the motion holds its first part: its energy and PGA are those of the first
    n_samples of a long record of the same scenario. (Each train's noise was normalised to the whole
    spectrum inside the record: a 40.96 s record of an M6 at 300 km with wave trains, whose S train
    starts 1.6 s before the end, had 12× the PGA and ~100× the energy.)"""
    def stats(n, seeds):
        acc = np.stack([simulate_motion(magnitude, distance_km, 500.0, FS_HZ, n, np.random.default_rng(s),
                                        wave_trains=wave_trains)[:n_samples] for s in seeds])
        return np.mean(np.sum(acc ** 2, axis=1)), np.median(np.abs(acc).max(axis=1))

    energy_short, pga_short = stats(n_samples, range(8))
    energy_cut, pga_cut = stats(8 * n_samples, range(100, 108))
    assert energy_short / energy_cut == pytest.approx(1.0, abs=0.3)
    assert pga_short / pga_cut == pytest.approx(1.0, abs=0.3)


def test_cli_refuses_a_negative_seed_in_one_line(tmp_path, capsys):
    """--seed -1 ended in numpy's traceback (SeedSequence: expected non-negative integer)."""
    assert main(["simulate", "--out", str(tmp_path / "o"), "--n", "1", "--seed", "-1"]) == 2
    assert "--seed -1: give a whole number ≥ 0" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_at2_metadata_keeps_the_files_an_earlier_run_left(tmp_path):
    """simulate --n 3 then --n 1 into the same folder: metadata.csv listed only SIM000000, so preprocess
    stored SIM000001/2 (still in the folder) with NaN magnitude, distance and Vs30."""
    argv = ["simulate", "--out", str(tmp_path), "--duration-s", "10.24", "--seed", "4"]
    assert main(argv + ["--n", "3"]) == 0
    first = (tmp_path / "metadata.csv").read_text()
    assert main(argv + ["--n", "1"]) == 0
    assert (tmp_path / "metadata.csv").read_text() == first
    (tmp_path / "SIM000002_H1.AT2").unlink()          # a file gone: its row goes too
    assert main(argv + ["--n", "1"]) == 0
    with open(tmp_path / "metadata.csv", newline="") as fh:
        assert [r["record_id"] for r in csv.DictReader(fh)] == ["SIM000000_H1", "SIM000001_H1"]


def test_at2_folder_refuses_a_run_with_other_settings(tmp_path, capsys):
    """--seed 1 then --seed 2 into one folder: SIM000000 was rewritten by another earthquake under the same
    event id, and metadata.csv listed two different magnitudes for SIMEV00000."""
    argv = ["simulate", "--out", str(tmp_path), "--duration-s", "10.24", "--n", "2"]
    assert main(argv + ["--seed", "1"]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert main(argv + ["--seed", "2"]) == 2
    assert "seed 1 → 2" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before          # nothing written
    assert main(argv + ["--seed", "1", "--n", "3"]) == 0                               # the same settings go on
    assert len(list(tmp_path.glob("SIM*.AT2"))) == 3
    (tmp_path / "simulation.json").unlink()                                          # a folder of an older run
    assert main(argv + ["--seed", "1"]) == 2
    assert "recorded no settings" in capsys.readouterr().err


def test_three_component_at2_corpus_preprocesses_into_three_component_records(tmp_path):
    """simulate --components 3 writes <id>_H1/_H2/_V.AT2; preprocess --components 3 skipped every record
    ("incomplete three-component set": H2 was read as a PEER azimuth of 2°, an H1)."""
    from seisdiff.preprocess import run_preprocess

    assert main(["simulate", "--out", str(tmp_path / "at2"), "--n", "2", "--components", "3",
                 "--duration-s", "20.48"]) == 0
    run_preprocess([str(tmp_path / "at2")], tmp_path / "s.zarr", progress=False, components="3")
    store = open_store(tmp_path / "s.zarr")
    assert len(store) == 2 and store.n_channels == 3
    acc = np.stack([r["acc_mps2"] for r in simulate_corpus(2, n_samples=2048, n_components=3)])
    pga = np.abs(store.read()["broadband"]).max(axis=-1)          # (2, 3): H1, H2, V in that order
    np.testing.assert_allclose(pga, np.abs(bandpass(acc, 100.0, 0.1, 30.0)).max(axis=-1), rtol=0.05)


def test_at2_header_names_each_simulated_event_and_station(tmp_path):
    """Line 2 was `SIMULATED, M6.41, R=169.8 km, VS30=395, H1`: read by position, every simulated record
    had the event 'SIMULATED' (preprocessed without metadata.csv, a split by event put all simulations
    on one side, and the level model took them for real records) and the station 'M6.41, R=169.8 km,
    VS30=395', which grouped the components of different records with the same rounded M, R and Vs30
    into one set (skipped as incomplete by preprocess --components 3)."""
    from seisdiff.io.at2 import read_at2
    from seisdiff.preprocess import run_preprocess
    from seisdiff.simulate.corpus import is_simulated

    records = _corpus(2, n_components=3, records_per_event=1)
    records[1].update({k: records[0][k] for k in ("magnitude", "distance_km", "vs30_mps")})  # same header numbers
    write_at2_corpus(tmp_path / "at2", records)
    for rec in records:
        for component in ("H1", "H2", "V"):
            got = read_at2(tmp_path / "at2" / f"{rec['record_id']}_{component}.AT2")[0]
            assert (got.event, got.station, got.component) == (rec["event"], rec["record_id"], component)
            assert "event_date" not in got.metadata
    run_preprocess([str(tmp_path / "at2")], tmp_path / "s.zarr", progress=False, components="3")  # no metadata
    store = open_store(tmp_path / "s.zarr")
    assert list(store.record_ids) == ["SIM000000_w0", "SIM000001_w0"]
    assert list(store.column("event")) == ["SIMEV00000", "SIMEV00001"] and is_simulated(store.column("event")).all()
    assert list(store.column("station")) == ["SIM000000", "SIM000001"]


def test_at2_files_of_older_simulate_runs_still_read(tmp_path):
    """Files written before line 2 named the event and station read as they did."""
    from seisdiff.io.at2 import read_at2

    rec = _corpus(1)[0]
    new = write_at2_corpus(tmp_path, [rec])[0]
    lines = new.read_text().splitlines()
    old = tmp_path / "old" / new.name
    old.parent.mkdir()
    old.write_text("\n".join(["PEER NGA STRONG MOTION DATABASE RECORD",
                               f"SIMULATED, M{rec['magnitude']:.2f}, R={rec['distance_km']:.1f} km, "
                               f"VS30={rec['vs30_mps']:.0f}, H1", *lines[2:]]) + "\n")
    got_old, got_new = read_at2(old)[0], read_at2(new)[0]
    np.testing.assert_array_equal(got_old.acc_mps2, got_new.acc_mps2)
    assert (got_old.event, got_old.component, got_old.sampling_rate_hz) == ("SIMULATED", "H1", 100.0)


def test_cli_refuses_to_resume_a_store_of_an_older_simulation_method(tmp_path, capsys):
    """A store begun before records cut short held only their window's share of the energy (no version in its
    simulation attributes) was resumed: its old records and the new ones, made differently, mixed silently."""
    import zarr

    from seisdiff.simulate import stochastic

    out = tmp_path / "sim.zarr"
    argv = ["simulate", "--out", str(out), "--duration-s", "10.24", "--seed", "2"]
    assert main(argv + ["--n", "1"]) == 0
    group = zarr.open_group(out, mode="r+")
    group.attrs["simulation"] = {k: v for k, v in group.attrs["simulation"].items() if k != "version"}  # as before
    capsys.readouterr()
    assert main(argv + ["--n", "2"]) == 2                          # a store of version 1 is not resumed
    err = capsys.readouterr().err.strip()
    assert "version 1 of the simulation method" in err and "delete the store or use another --out" in err
    assert len(err.splitlines()) == 1 and len(open_store(out)) == 1
    new = tmp_path / "new.zarr"
    assert main(argv[:2] + [str(new)] + argv[3:] + ["--n", "1"]) == 0
    assert open_store(new).attrs["simulation"]["version"] == stochastic.METHOD_VERSION == 2
    assert main(argv[:2] + [str(new)] + argv[3:] + ["--n", "2"]) == 0 and len(open_store(new)) == 2  # same: resumes


@pytest.mark.parametrize("fs_hz", [99.99, 123.45, 100.0, 300.0])
def test_at2_text_rate_reads_back_as_given(tmp_path, fs_hz):
    """`simulate --format at2 --fs 99.99` printed DT with 10 decimals (.0100010001): read back at 99.9899999 Hz.
    DT is now the shortest decimal of 1/fs (`io.at2.dt_text`), PEER's `.0100` for 100 Hz as before."""
    from seisdiff.io.at2 import read_at2
    from seisdiff.simulate.corpus import at2_text

    path = tmp_path / "s.AT2"
    path.write_text(at2_text(np.full(12, 0.1), fs_hz, 6.0, 20.0, 760.0, "H1", "SIMEV000001", "SIM000001"))
    (rec,) = read_at2(path)
    assert rec.sampling_rate_hz == fs_hz and rec.acc_mps2.size == 12


def test_an_interrupted_at2_run_is_completed_by_the_same_command(tmp_path, monkeypatch, capsys):
    """Ctrl-C after the first files of `simulate --n 3` (the demo's first step): simulation.json was written after
    the files, so the same command was refused ('holds simulated AT2 files of a run that recorded no settings')."""
    from seisdiff.simulate import corpus

    argv = ["simulate", "--out", str(tmp_path / "run"), "--duration-s", "10.24", "--n", "3", "--seed", "5"]
    assert main([*argv[:2], str(tmp_path / "whole"), *argv[3:]]) == 0
    write, calls = corpus.write_text_atomic, []

    def stopped(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return write(*args, **kwargs)

    monkeypatch.setattr(corpus, "write_text_atomic", stopped)
    assert main(argv) == 130
    assert [p.name for p in (tmp_path / "run").glob("SIM*.AT2")] == ["SIM000000_H1.AT2"]
    monkeypatch.setattr(corpus, "write_text_atomic", write)
    assert main(argv) == 0
    assert {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()} == \
        {p.name: p.read_bytes() for p in (tmp_path / "whole").iterdir()}
