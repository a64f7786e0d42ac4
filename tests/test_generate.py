"""`engine.generate`: scale integrity in physical units, windows and their cross-fade, the optional
low-band merge, determinism across batch sizes, shards and order (the tiny model: tests/conftest.py)."""
import copy
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from synth import TINY_FS_HZ as FS, TINY_LOWPASS_HZ as LOWPASS_HZ, accelerogram

from seisdiff.dsp import lowpass
from seisdiff.engine.config import TrainConfig
from seisdiff.engine.generate import LEAD_SAMPLES, crossfade_layout, generate, record_seed, window_conditioning
from seisdiff.engine.scaling import Scaler
from seisdiff.engine.schedule import CosineSchedule
from seisdiff.evaluate import lowband_consistency


def _generate(tiny, lowpass_mps2, ids, **kw):
    """Deterministic DDIM at 10 steps unless told: these tests are about scale, merge and seeding, and
    ancestral sampling at so few steps adds noise that a 300-step model cannot remove."""
    kw = {"realizations": 1, "steps": 10, "sampler": "ddim", "sampling_rate_hz": FS, "lowpass_hz": LOWPASS_HZ, **kw}
    return {(rid, k): acc for rid, k, acc in generate(tiny.denoiser, tiny.scaler, tiny.config, lowpass_mps2, ids, **kw)}


def _corr(a, b):
    return (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1))


def test_output_amplitude_follows_the_conditioning_scale(tiny):
    """Conditioning ×1e-3, ×1, ×1e3: PGA(out)/PGA(cond) stays in the training records' range."""
    blk = tiny.store.read(0, 6)
    ids = tiny.store.record_ids[:6].tolist()
    train = tiny.store.read()
    train_ratio = np.abs(train["broadband"]).max(axis=(1, 2)) / np.abs(train["lowpass"]).max(axis=(1, 2))
    for k in (1e-3, 1.0, 1e3):
        cond = blk["lowpass"] * np.float32(k)
        out = np.stack(list(_generate(tiny, cond, ids, lf_merge=False).values()))
        assert np.all(np.isfinite(out))
        ratio = np.abs(out).max(axis=(1, 2)) / np.abs(cond).max(axis=(1, 2))
        assert np.all((ratio > 0.5 * train_ratio.min()) & (ratio < 2.0 * train_ratio.max())), (k, ratio, train_ratio)


def test_exact_equivariance_without_the_amplitude_scalar(tiny):
    """With the log-scale scalar's input weights zeroed the model sees the same model-space input for
    any k, so the whole pipeline (scaling in, sampling, scaling out, merge) must return k × the output."""
    denoiser = copy.deepcopy(tiny.denoiser)
    with torch.no_grad():
        denoiser.model.scalar_mlp[0].weight[:, 0] = 0.0          # value column of scalar 0 = log-scale
    net = SimpleNamespace(**{**vars(tiny), "denoiser": denoiser})
    blk = tiny.store.read(0, 3)
    ids = tiny.store.record_ids[:3].tolist()
    ref = _generate(net, blk["lowpass"], ids, realizations=2)
    for k in (1e-3, 1e3):
        out = _generate(net, blk["lowpass"] * np.float32(k), ids, realizations=2)
        for key, acc in ref.items():
            np.testing.assert_allclose(out[key], k * acc.astype(np.float64), rtol=1e-4, atol=1e-6 * k * np.abs(acc).max())


def test_lf_merge_reproduces_the_conditioning(tiny):
    blk = tiny.store.read(0, 8)
    ids = tiny.store.record_ids[:8].tolist()
    raw = np.stack(list(_generate(tiny, blk["lowpass"], ids, lf_merge=False).values())).astype(np.float64)
    merged = np.stack(list(_generate(tiny, blk["lowpass"], ids).values())).astype(np.float64)
    corr_raw, _ = lowband_consistency(raw, blk["lowpass"], FS, LOWPASS_HZ)
    corr, amp = lowband_consistency(merged, blk["lowpass"], FS, LOWPASS_HZ)
    assert corr.min() > 0.999 and np.all(np.abs(amp - 1.0) < 0.01), (corr, amp)
    assert corr_raw.min() < 0.99                      # the tiny model alone does not get there
    # the high band is the model's: above twice the crossover the merge changes little
    hp = lambda x: x - lowpass(x, FS, 2 * LOWPASS_HZ)
    assert np.linalg.norm(hp(merged - raw)) < 0.05 * np.linalg.norm(hp(raw))


@pytest.mark.parametrize("length,window", [(512, 512), (300, 512), (1200, 512), (1001, 257), (2048, 512)])
def test_crossfade_weights_are_complementary(length, window):
    starts, weights = crossfade_layout(length, window)
    total = np.zeros(max(length, window))
    for start, w in zip(starts, weights):
        total[start:start + window] += w
    np.testing.assert_allclose(total[:length], 1.0, rtol=0, atol=1e-12)
    assert starts[0] == 0 and (length <= window or starts[-1] + window == length)
    assert np.all(np.diff(starts) <= (window + 1) // 2) and weights.min() >= 0 and weights.max() <= 1


@pytest.mark.parametrize("length,window", [(300, 512), (500, 512), (512, 512), (1200, 512), (1001, 257), (4096, 2048)])
def test_crossfade_with_a_lead_moves_only_the_first_window(length, window):
    """The first window starts `lead` samples before the record; the weights still sum to 1 over the
    record, every later window's start is as without a lead, and so, from the second cross-fade on, its
    weights; a record longer than the window needs no more windows."""
    lead = 32
    starts, weights = crossfade_layout(length, window, lead)
    total = np.zeros(lead + max(length, window))
    for start, w in zip(starts, weights):
        total[lead + start:lead + start + window] += w
    np.testing.assert_allclose(total[lead:lead + length], 1.0, rtol=0, atol=1e-12)
    assert starts[0] == -lead and weights.min() >= 0 and weights.max() <= 1
    plain_starts, plain_weights = crossfade_layout(length, window)
    if length > window:
        assert starts[1:] == plain_starts[1:]
        np.testing.assert_array_equal(weights[2:], plain_weights[2:])
    else:
        assert len(starts) == (1 if length + lead <= window else 2)


def test_window_conditioning_holds_the_first_sample_before_the_record():
    cond = np.arange(1.0, 11.0, dtype=np.float32)[None]
    np.testing.assert_array_equal(window_conditioning(cond, -3, 8), [[1, 1, 1, 1, 2, 3, 4, 5]])
    np.testing.assert_array_equal(window_conditioning(cond, 6, 8), [[7, 8, 9, 10, 0, 0, 0, 0]])    # zeros past the end


def _quiet_start_traces(level: bool, realizations: int = 4):
    """The shipped few-step model as `sample --checkpoint default` runs it (band top at 30 Hz, the merge) on
    8 of the demo's simulated test records, cut as `preprocess` cuts them (3 s before the 5 % Arias time:
    their first seconds are silent), with or without its level model (their region SIMULATED: the level
    without the timing, as in the demo). Returns the (n, L) high bands (> 2 Hz) of the generated traces."""
    from seisdiff.engine.hf_level import SIMULATED
    from seisdiff.engine.denoiser import load_denoiser
    from seisdiff.preprocess.condition import PreprocessConfig, condition_group
    from seisdiff.pretrained import DISTILLED_CHECKPOINT
    from seisdiff.simulate.corpus import simulate_corpus

    if not DISTILLED_CHECKPOINT.is_file():
        pytest.skip("no shipped distilled model")
    model = load_denoiser(DISTILLED_CHECKPOINT)
    records = list(simulate_corpus(8, seed=12345))                    # `seisdiff demo`'s test records
    cond = np.stack([condition_group(r["acc_mps2"], 100.0, PreprocessConfig())[1][0] for r in records])
    meta = {"region": np.array([SIMULATED] * len(records)),
            **{k: np.array([r[k] for r in records]) for k in ("magnitude", "distance_km", "vs30_mps")}}
    out = np.stack([x[0] for _, _, x in generate(
        model.denoiser, model.scaler, model.config, cond, [r["record_id"] for r in records], realizations=realizations,
        steps=2, sampler="ddpm", seed=0, batch_size=32, sampling_rate_hz=100.0, lowpass_hz=1.0, crossfade_split_hz=2.0,
        band_top_hz=30.0, metadata=meta, level_model=model.level_model if level else None)]).astype(np.float64)
    assert np.median(np.abs(cond[:, 0, :100]).max(-1) / np.abs(cond[:, 0]).max(-1)) < 0.05   # quiet at first
    return out - lowpass(out, 100.0, 2.0)


@pytest.mark.parametrize("level", [False, True], ids=["network", "level_model"])
def test_no_high_frequency_burst_at_the_start_of_a_quiet_record(level):
    """The network's first samples of a window carry an edge artefact, a broadband burst over ~0.1 s (> 8 Hz:
    2–2.5x the level that follows; the level model's tilt raised it further on simulated records): as the first
    window of a record it put the PGA of 4 of the demo's 32 traces in their first 0.2 s. Each record's first
    window now starts LEAD_SAMPLES before it and those samples are dropped. Over the first 0.2 s the high band
    is no stronger than over the next second (median ratio 0.78–0.90 before, ~0.5 now) and stays below a
    quarter of the record's peak (median 0.36–0.40 before, ~0.24 now)."""
    high = _quiet_start_traces(level)
    peak = np.abs(high).max(axis=-1)
    first = np.abs(high[:, :20]).max(axis=-1)                        # the first 0.2 s
    assert np.median(first / np.abs(high[:, 30:130]).max(axis=-1)) < 0.65
    assert np.median(first / peak) < 0.3
    assert LEAD_SAMPLES >= 16                                        # the artefact's length on the shipped model


@pytest.mark.xfail(reason="the network's own positional prior: it puts more high frequencies early in its window "
                          "whatever the content (docs/MEASUREMENTS.md, 'The network's high band along its window'); on "
                          "silent pre-event seconds of simulated records that is 40-60 % of the record's peak in the first "
                          "second; no lead or padding removes it (it moves with the window), training crops that reach past "
                          "the record halve it ('Training crops that reach past the record'): a retraining", strict=True)
def test_the_first_second_of_a_quiet_record_stays_quiet():
    """Real records start 3 s before their 5 % Arias time, so their first second's high band is a small share of their
    peak (the simulator's: ~0.001; NGA-West2's: median 0.24, pre-event noise); the shipped network's is 0.40–0.60."""
    high = _quiet_start_traces(level=False)
    assert np.median(np.abs(high[:, :100]).max(axis=-1) / np.abs(high).max(axis=-1)) < 0.25


class _Echo(torch.nn.Module):
    """A stand-in denoiser whose x0 estimate is twice the model-space conditioning."""

    def __init__(self):
        super().__init__()
        self.schedule = CosineSchedule()
        self.sigma_min, self.sigma_max = self.schedule.sigma_ve_min, self.schedule.sigma_ve_max

    def forward(self, x, sigma, cond_model, scalars):
        return 2.0 * cond_model


@pytest.mark.parametrize("length", [300, 512, 1337])
def test_windows_scale_and_crossfade_in_physical_units(length):
    """Each window is scaled by its own conditioning and back; the cross-fade must give 2 × cond exactly."""
    cond = np.stack([accelerogram(s, n=length, pga=10.0 ** -s) for s in range(3)])[:, None].astype(np.float32)
    net = SimpleNamespace(denoiser=_Echo(), scaler=Scaler(global_factor=3.0), config=TrainConfig())
    out = _generate(net, cond, ["a", "b", "c"], sampler="ddim", window=512, lf_merge=False)
    for i, rid in enumerate("abc"):
        assert out[(rid, 0)].shape == (1, length)
        np.testing.assert_allclose(out[(rid, 0)], 2.0 * cond[i], rtol=1e-5, atol=1e-7 * np.abs(cond[i]).max())


def test_same_results_across_batch_sizes_shards_and_order(tiny):
    lp = tiny.store.read(0, 5)["lowpass"]
    lp = np.concatenate([lp, lp[:, :, ::-1]], axis=-1)                 # 1024 samples: 3 windows of 512
    ids = tiny.store.record_ids[:5].tolist()
    one = _generate(tiny, lp, ids, realizations=2, batch_size=1)
    three = _generate(tiny, lp, ids, realizations=2, batch_size=3)
    shards = {**_generate(tiny, lp[0::2], ids[0::2], realizations=2, batch_size=3),
              **_generate(tiny, lp[1::2][::-1], ids[1::2][::-1], realizations=2, batch_size=2)}
    assert list(one) == list(three) and sorted(shards) == sorted(one)
    for key, acc in one.items():
        # equal up to float32 convolution rounding, which depends on the batch shape
        for other in (three, shards):
            np.testing.assert_allclose(other[key], acc, rtol=0, atol=1e-5 * np.abs(acc).max())


def test_realizations_differ_and_seeds_reproduce(tiny):
    blk = tiny.store.read(0, 2)
    ids = tiny.store.record_ids[:2].tolist()
    out = _generate(tiny, blk["lowpass"], ids, realizations=3, lf_merge=False)
    again = _generate(tiny, blk["lowpass"], ids, realizations=3, lf_merge=False)
    other_seed = _generate(tiny, blk["lowpass"], ids, realizations=3, lf_merge=False, seed=1)
    for rid in ids:
        for k in range(3):
            np.testing.assert_array_equal(again[(rid, k)], out[(rid, k)])
            assert _corr(other_seed[(rid, k)][0], out[(rid, k)][0]) < 0.95
            for j in range(k):
                assert _corr(out[(rid, j)][0], out[(rid, k)][0]) < 0.95
    assert len({record_seed(0, rid, k) for rid in ids for k in range(3)}) == 6


def test_pre_event_gate_is_the_onset_gate_applied_to_whole_traces(tiny):
    """generate(pre_event_gate=True) = onset.gate_pre_event on the whole generated trace, then the
    low-band merge: the same draws, gated; the low band is still the conditioning's."""
    from seisdiff.engine.lfmerge import lf_merge
    from seisdiff.engine.onset import gate_pre_event

    blk = tiny.store.read(0, 3)
    ids = tiny.store.record_ids[:3].tolist()
    cond = np.concatenate([np.zeros_like(blk["lowpass"]), blk["lowpass"]], axis=-1)  # quiet first half
    raw = _generate(tiny, cond, ids, lf_merge=False)
    gated = _generate(tiny, cond, ids, pre_event_gate=True)
    for i, rid in enumerate(ids):
        ref = lf_merge(gate_pre_event(raw[(rid, 0)].astype(np.float64), cond[i].astype(np.float64), FS, LOWPASS_HZ),
                       cond[i].astype(np.float64), FS, LOWPASS_HZ)
        np.testing.assert_allclose(gated[(rid, 0)], ref, rtol=0, atol=1e-5 * np.abs(ref).max())
        half = cond.shape[-1] // 2
        high_raw = raw[(rid, 0)] - lowpass(raw[(rid, 0)].astype(np.float64), FS, LOWPASS_HZ)
        high_gated = gated[(rid, 0)] - lowpass(gated[(rid, 0)].astype(np.float64), FS, LOWPASS_HZ)
        assert np.abs(high_gated[:, :half // 2]).max() < 0.05 * np.abs(high_raw[:, :half // 2]).max()


def test_band_top_low_passes_the_output_as_the_training_band(tiny):
    """band_top_hz: the output is the unfiltered output through preprocessing's zero-phase Butterworth
    (`dsp.lowpass`, tested against SciPy in test_dsp_filters), the low band
    still the conditioning's; a checkpoint's store entry gives the edge and order."""
    from seisdiff.engine.generate import band_top
    blk = tiny.store.read(0, 4)
    ids = tiny.store.record_ids[:4].tolist()
    top_hz, order = 20.0, 4
    raw = np.stack(list(_generate(tiny, blk["lowpass"], ids, lf_merge=False).values())).astype(np.float64)
    cut = np.stack(list(_generate(tiny, blk["lowpass"], ids, lf_merge=False, band_top_hz=top_hz,
                                  band_order=order).values())).astype(np.float64)
    np.testing.assert_allclose(cut, lowpass(raw, FS, top_hz, order), rtol=1e-5, atol=1e-6 * np.abs(raw).max())
    assert not np.allclose(cut, raw, atol=1e-3 * np.abs(raw).max())     # the tiny model does leave some there
    merged = np.stack(list(_generate(tiny, blk["lowpass"], ids, band_top_hz=top_hz).values())).astype(np.float64)
    corr, amp = lowband_consistency(merged, blk["lowpass"], FS, LOWPASS_HZ)
    assert corr.min() > 0.999 and np.all(np.abs(amp - 1.0) < 0.01)
    # at or above the Nyquist frequency there is nothing to cut
    same = np.stack(list(_generate(tiny, blk["lowpass"], ids, lf_merge=False, band_top_hz=FS).values()))
    np.testing.assert_array_equal(same, raw.astype(np.float32))
    assert band_top({"band_hz": [0.1, 30.0], "preprocess": {"filter_order": 6}}) == (30.0, 6)
    assert band_top(None) == (None, 4)


def test_blend_window_keeps_shared_low_and_independent_high_frequencies():
    """Two windows cross-fading over a ramp (cos², sin²): a low-frequency sine both carry comes out as
    it went in (amplitude weights below the split), and two independent high-frequency noises keep their
    power at every sample (power weights above it: E[(cos·a + sin·b)²] = 1), where amplitude weights
    alone would keep cos⁴ + sin⁴ of it, half at the ramp's middle."""
    from seisdiff.dsp import bandpass
    from seisdiff.engine.generate import blend_window
    n, ramp = 3000, slice(1000, 2000)
    u = (np.arange(1000) + 0.5) / 1000
    w_out, w_in = np.ones(n), np.zeros(n)
    w_out[ramp], w_in[ramp] = np.cos(0.5 * np.pi * u) ** 2, np.sin(0.5 * np.pi * u) ** 2
    w_out[2000:], w_in[2000:] = 0.0, 1.0
    t = np.arange(n) / FS
    shared = np.sin(2 * np.pi * 0.3 * t)
    mixed = blend_window(shared, w_out, FS, 2.0) + blend_window(shared, w_in, FS, 2.0)
    np.testing.assert_allclose(mixed[200:-200], shared[200:-200], atol=0.01)
    rng = np.random.default_rng(0)
    a, b = (bandpass(rng.standard_normal((400, n)), FS, 5.0, 20.0) for _ in range(2))
    blocks = lambda y: np.mean(y[:, 200:-200] ** 2, axis=0).reshape(-1, 50).mean(axis=1)   # 0.5 s blocks
    reference = np.mean(a[:, 200:-200] ** 2)
    power = blocks(blend_window(a, w_out, FS, 2.0) + blend_window(b, w_in, FS, 2.0)) / reference
    np.testing.assert_allclose(power, 1.0, atol=0.1)
    old = blocks(blend_window(a, w_out) + blend_window(b, w_in)) / reference
    assert old[(1500 - 200) // 50] == pytest.approx(0.5, abs=0.1)          # the dip the split removes
    assert old[0] == pytest.approx(1.0, abs=0.1)
