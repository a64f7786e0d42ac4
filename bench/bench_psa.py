"""PSA (5 %, 100 periods 0.01–10 s) of 4096-sample records at 100 Hz: seisdiff's batched numba
recurrence vs pyrotd's frequency-domain solution (one record at a time, one FFT per period).

pyrotd is slow, so it is timed on a few records and the candidate on the same records; compare
per-record times (extra_info["records"], ["per_record_s"]). Two baselines:
- `pyrotd_equal_accuracy`: zero-padded record (its FFT is circular) and 40 output points per
  oscillator cycle (max_freq_ratio=20): the same numbers as the candidate, within 1 %.
- `pyrotd_defaults`: the raw record at its default 10 points per cycle: pyrotd's fastest call,
  whose peaks are up to ~5 % low at short periods and wrap around at the longest ones.
`test_seisdiff_1000_records` gives the throughput of a full batch (the goal: ≥ 20× per record).
Each group's check (both sides computed once, compared) runs before either side is timed.
"""
import warnings

import numba
import numpy as np
import pytest

from seisdiff.dsp import bandpass
from seisdiff.dsp.response import psa

FS, LENGTH, N_RECORDS = 100.0, 4096, 1000
PERIODS = np.geomspace(0.01, 10.0, 100)
PER_RECORD_S = {}  # name -> measured seconds per record, for the throughput comparison


@pytest.fixture(scope="module")
def pyrotd():
    """pyrotd (it imports pkg_resources: the test extras pin setuptools<81, which still ships it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        module = pytest.importorskip("pyrotd")
    module.processes = 1  # one process, as the candidate's per-record figure is per machine
    return module


@pytest.fixture(scope="module")
def records():
    """(N_RECORDS, LENGTH) store-like records: enveloped noise band-passed to 0.1–30 Hz, m/s²."""
    t = np.arange(LENGTH) / FS
    envelope = (t / 8.0) ** 2 * np.exp(-t / 4.0)
    x = bandpass(np.random.default_rng(0).standard_normal((N_RECORDS, LENGTH)) * envelope, FS, 0.1, 30.0)
    psa(x[:16], FS, PERIODS)  # compile (or load the numba cache) outside the timings
    return x


def _pyrotd_psa(pyrotd, x, pad, max_freq_ratio):
    return np.array([
        pyrotd.calc_spec_accels(1 / FS, np.r_[r, np.zeros(pad)], 1 / PERIODS, 0.05,
                                max_freq_ratio=max_freq_ratio).spec_accel
        for r in x
    ])


def _record(benchmark, name, role, n, seconds):
    benchmark.extra_info.update(role=role, records=n, per_record_s=seconds / n,
                                threads=1 if name.startswith("pyrotd") else numba.get_num_threads(),
                                note="time per call over `records` records; compare per_record_s")
    PER_RECORD_S[name] = seconds / n


def _timed(benchmark, fn, rounds):
    out = benchmark.pedantic(fn, rounds=rounds, iterations=1)
    return out, benchmark.stats.stats.mean


def _check_equal_accuracy(pyrotd, x):
    """Max relative deviation of the candidate from pyrotd at equal accuracy; raises above 1 % (the two
    integrate the same oscillator exactly, one in time, one in frequency from a zero-padded record: what
    remains is pyrotd's 40 points per cycle of interpolation; a wrong damping or period moves peaks by ≫ 1 %)."""
    deviation = np.abs(psa(x, FS, PERIODS) / _pyrotd_psa(pyrotd, x, int(120 * FS), 20) - 1)
    assert deviation.max() < 0.01, f"max |seisdiff / pyrotd − 1| = {deviation.max():.4f}"
    return float(deviation.max())


def _check_defaults(pyrotd, x):
    """The same numbers where pyrotd's defaults hold: its 10 points per cycle miss peaks below ~0.3 s and its
    circular FFT wraps the response of the longest periods around the record, so the check is < 1 % at
    0.3–1.5 s and a median < 0.5 % over all periods."""
    deviation = np.abs(psa(x, FS, PERIODS) / _pyrotd_psa(pyrotd, x, 0, 5) - 1)
    valid = (PERIODS >= 0.3) & (PERIODS <= 1.5)
    assert deviation[:, valid].max() < 0.01 and np.median(deviation) < 0.005, \
        f"0.3–1.5 s max {deviation[:, valid].max():.4f}, median {np.median(deviation):.5f}"
    return float(deviation[:, valid].max())


def _check_batch(records):
    """A batch's first records equal the same records alone (records are independent: the same arithmetic,
    to rounding)."""
    np.testing.assert_allclose(psa(records, FS, PERIODS)[:20], psa(records[:20], FS, PERIODS), rtol=1e-12)


@pytest.mark.benchmark(group="psa_equal_accuracy_5rec")
def test_pyrotd_equal_accuracy(benchmark, pyrotd, records, checked):
    x = records[:5]
    benchmark.extra_info["max_rel_deviation"] = checked("psa_equal_accuracy_5rec",
                                                        lambda: _check_equal_accuracy(pyrotd, x))
    _, seconds = _timed(benchmark, lambda: _pyrotd_psa(pyrotd, x, int(120 * FS), 20), rounds=1)
    _record(benchmark, "pyrotd_equal_accuracy", "baseline", len(x), seconds)


@pytest.mark.benchmark(group="psa_equal_accuracy_5rec")
def test_seisdiff_5_records(benchmark, pyrotd, records, checked):
    x = records[:5]
    checked("psa_equal_accuracy_5rec", lambda: _check_equal_accuracy(pyrotd, x))
    _, seconds = _timed(benchmark, lambda: psa(x, FS, PERIODS), rounds=5)
    _record(benchmark, "seisdiff_5", "candidate", len(x), seconds)


@pytest.mark.benchmark(group="psa_pyrotd_defaults_20rec")
def test_pyrotd_defaults(benchmark, pyrotd, records, checked):
    x = records[:20]
    benchmark.extra_info["max_rel_deviation_0.3_1.5s"] = checked("psa_pyrotd_defaults_20rec",
                                                                 lambda: _check_defaults(pyrotd, x))
    _, seconds = _timed(benchmark, lambda: _pyrotd_psa(pyrotd, x, 0, 5), rounds=2)
    _record(benchmark, "pyrotd_defaults", "baseline", len(x), seconds)


@pytest.mark.benchmark(group="psa_pyrotd_defaults_20rec")
def test_seisdiff_20_records(benchmark, pyrotd, records, checked):
    x = records[:20]
    checked("psa_pyrotd_defaults_20rec", lambda: _check_defaults(pyrotd, x))
    _, seconds = _timed(benchmark, lambda: psa(x, FS, PERIODS), rounds=5)
    _record(benchmark, "seisdiff_20", "candidate", len(x), seconds)


@pytest.mark.benchmark(group="psa_throughput_1000rec")
def test_seisdiff_1000_records(benchmark, records, checked):
    checked("psa_throughput_1000rec", lambda: _check_batch(records))
    _, seconds = _timed(benchmark, lambda: psa(records, FS, PERIODS), rounds=3)
    _record(benchmark, "seisdiff_1000", "candidate", N_RECORDS, seconds)
    for baseline in ("pyrotd_equal_accuracy", "pyrotd_defaults"):
        if baseline in PER_RECORD_S:
            benchmark.extra_info[f"per_record_speedup_vs_{baseline}"] = PER_RECORD_S[baseline] / (seconds / N_RECORDS)
