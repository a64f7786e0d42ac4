"""The level of the generated high frequencies in a region the model never saw (issue #20, item 3:
on an earthquake unlike the training ones, do not fall back to the training events' level).

The diffusion network learns the level of its high frequencies together with their shape and phase.
Trained on ~40 earthquakes, on a region it never saw it makes them at its training regions' level:
0.6–0.8 ln units too weak on Taiwan and Japan (docs/crossval_2026-12.md). A three-number ridge
regression fitted on the same training records carries over better. It predicts a record's
high-frequency Fourier level (BAND_HZ) from its conditioning alone:

- ln peak |conditioning| (m/s²): the default's amplitude anchor (`engine.scaling`, "peak");
- ln Fourier level just below the crossover (`dsp.level.record_level`, m/s): `stochastic`'s anchor;
- the component (1 vertical, 0 horizontal).

Sampling moves each generated trace's high band to that level (`apply`, before the low-frequency
merge, which then puts the conditioning's low band back) for records of a region that none of the
fitted records came from, or of unknown region (`unseen`; regions: `preprocess.regions`). In a region
it was trained on the network keeps its own level, which is better there. The network keeps the
spectral shape inside the band, the phase, the envelope and the spread between realizations at single
periods; where the regression sets the band's level, it is the same for every realization of a record.
Measured in docs/MEASUREMENTS.md ("High-frequency level model"): over six regions held out in turn,
the model's mean PSA bias went from +0.32 to −0.07 ln; in its training regions the network's own level
was nearer (+0.21 against −0.43 on the default's validation events).

The model is fitted on real records only (`fit`; simulated ones carry the simulator's level, not the
Earth's), their strong-motion windows, and kept in the checkpoint as plain numbers ("level_model", read
by `torch.load(weights_only=True)`), with the regions it saw and, under "timing", the high band's
timing relative to the low band (`hf_timing`: fitted on the same records, applied before the level, to
the same records except the simulator's, `record_regions`). Checkpoints whose level model has no
"timing" apply the level alone. Levels are natural logs of Fourier
amplitudes |rfft(x)|/fs of acceleration in m/s², i.e. ln(m/s): band_level is the mean over LEVEL_BINS
log-spaced bins of ½ ln(mean |X(f)|² in the bin).
"""
from __future__ import annotations

import re

import numpy as np

from seisdiff.dsp.level import log_binned_power, record_level
from seisdiff.engine import hf_timing

BAND_HZ = (2.0, 25.0)    # above the crossover's transition (1 Hz, order 4: gain 0.004 at 2 Hz)
LEVEL_BINS = 8
FEATURES = ("ln_peak_mps2", "ln_lowband_level_mps", "vertical")
RIDGE = 1.0              # on standardized features; the intercept is not penalized
MIN_RECORDS, MIN_EVENTS = 20, 3
VERSION = 1
SIMULATED = "simulated"  # the region of the corpus simulator's records (`record_regions`)


def band_level(x_mps2, sampling_rate_hz: float, band_hz=BAND_HZ) -> np.ndarray:
    """ln Fourier level, ln(m/s), of traces x_mps2 (..., L) m/s² over band_hz → (...,) float64
    (-inf for a trace with no energy there). ValueError if the band holds fewer than 2 bins' worth."""
    x = np.asarray(x_mps2, np.float64)
    freqs_hz = np.fft.rfftfreq(x.shape[-1], 1.0 / sampling_rate_hz)
    power = np.abs(np.fft.rfft(x, axis=-1) / sampling_rate_hz) ** 2
    edges = np.geomspace(band_hz[0], min(band_hz[1], 0.999 * sampling_rate_hz / 2), LEVEL_BINS + 1)
    log_power = log_binned_power(power, freqs_hz, edges)       # the same binning as the low band's level
    if log_power is None:
        raise ValueError(f"traces of {x.shape[-1]} samples at {sampling_rate_hz} Hz do not resolve "
                         f"{band_hz[0]}–{band_hz[1]} Hz")
    return 0.5 * log_power


def features(lowpass_mps2, sampling_rate_hz: float, lowpass_hz: float, vertical) -> np.ndarray:
    """(n, C, 3) features (FEATURES) of conditioning lowpass_mps2 (n, C, L) m/s² (low-passed at lowpass_hz,
    order 4) whose records are vertical (n,) (1/0; NaN = horizontal)."""
    x = np.asarray(lowpass_mps2, np.float64)
    with np.errstate(divide="ignore"):
        peak = np.log(np.abs(x).max(axis=-1))
        spec = np.log(record_level(x, sampling_rate_hz, lowpass_hz, 4))
    vert = np.nan_to_num(np.asarray(vertical, np.float64).reshape(-1, 1), nan=0.0)
    return np.stack([peak, spec, np.broadcast_to(vert, peak.shape)], axis=-1)


def strong_motion_windows(record_ids) -> np.ndarray:
    """(n,) bool: the records that are a whole trace or the first window `preprocess` cut from one
    (id ending `_w0`: it starts 3 s before the 5 % Arias time), not a later window of the coda."""
    ids = np.asarray(record_ids, dtype=str)
    later = np.array([bool(re.search(r"_w[1-9]\d*$", rid)) for rid in ids], dtype=bool)
    return ~later


def fit(store, rows, log=print, block_records: int = 512) -> dict | None:
    """Fit the level model on the real records among `rows` of `store` (a training store with
    `broadband` and `lowpass`), their strong-motion windows only (`strong_motion_windows`: sampling
    applies the model to whole records, whose level their strong motion sets); None (and a line to
    `log`) when fewer than MIN_RECORDS such records from MIN_EVENTS events remain. Returns plain
    numbers (checkpoint-safe)."""
    from seisdiff.engine.scaling import metadata_columns
    from seisdiff.simulate.corpus import is_simulated

    rows = np.sort(np.asarray(rows, np.int64))
    events = store.column("event") if "event" in store.columns else np.array([""] * len(store))
    real = rows[~is_simulated(events[rows]) & strong_motion_windows(store.record_ids[rows])]
    n_events = len(set(events[real].tolist()))
    if len(real) < MIN_RECORDS or n_events < MIN_EVENTS:
        log(f"level model: {len(real)} real records from {n_events} events (need {MIN_RECORDS} from "
            f"{MIN_EVENTS}); generated high frequencies keep the network's own level")
        return None
    vertical = metadata_columns({c: store.column(c) for c in store.columns}).get("vertical")
    vertical = np.zeros(len(store)) if vertical is None else vertical
    fs, fx = store.sampling_rate_hz, store.lowpass_hz
    X, y, onset_s, end_s = [], [], [], []
    for lo in range(0, len(real), block_records):
        part = real[lo:lo + block_records]
        block = store.read(int(part[0]), int(part[-1]) + 1, fields=("broadband", "lowpass"))
        bb, lp = block["broadband"][part - part[0]], block["lowpass"][part - part[0]]
        X.append(features(lp, fs, fx, vertical[part]).reshape(-1, len(FEATURES)))
        y.append(band_level(bb, fs).reshape(-1))
        onset, end = hf_timing.offsets_s(bb, lp, fs, fx)
        onset_s.append(onset)
        end_s.append(end)
    timing = hf_timing.fit(np.concatenate(onset_s), np.concatenate(end_s))
    X, y = np.concatenate(X), np.concatenate(y)
    ok = np.isfinite(X).all(axis=1) & np.isfinite(y)
    X, y = X[ok], y[ok]
    regions = sorted(set(store.column("region")[real].tolist()) - {""}) if "region" in store.columns else []
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    A = np.column_stack([np.ones(len(y)), (X - mean) / scale])
    penalty = RIDGE * np.eye(A.shape[1])
    penalty[0, 0] = 0.0
    coef = np.linalg.solve(A.T @ A + penalty, A.T @ y)
    residual = y - A @ coef
    log(f"level model: fitted on {len(y)} traces of {n_events} events, residual sd {residual.std():.2f} ln"
        + ("" if timing is None else f"; high band's 5 %/95 % Arias times {timing['onset_s']:+.1f}/"
           f"{timing['end_s']:+.1f} s from the low band's"))
    return {"version": VERSION, "features": list(FEATURES), "band_hz": list(BAND_HZ), "ridge": RIDGE,
            "mean": mean.tolist(), "scale": scale.tolist(), "intercept": float(coef[0]),
            "coef": coef[1:].tolist(), "regions": regions, "residual_sd": float(residual.std()), "n_traces": int(len(y)),
            "n_events": int(n_events), "timing": timing}


def predict(level_model: dict, lowpass_mps2, sampling_rate_hz: float, lowpass_hz: float, vertical) -> np.ndarray:
    """Predicted ln band level (n, C), ln(m/s), of the records whose conditioning is lowpass_mps2 (n, C, L)."""
    X = features(lowpass_mps2, sampling_rate_hz, lowpass_hz, vertical)
    z = (X - np.asarray(level_model["mean"])) / np.asarray(level_model["scale"])
    return level_model["intercept"] + z @ np.asarray(level_model["coef"])


def record_regions(region, event=None) -> np.ndarray:
    """(n,) str: the regions (n,) the level model's rule reads, with the records of the corpus simulator
    (events SIMEV…, `simulate.corpus.is_simulated`, e.g. the demo's test records) as a region of their
    own, SIMULATED: never among the fitted (real) regions, so their level is the level model's, but
    their high band keeps the network's timing — the simulator gives every frequency one envelope, so
    the real records' timing (`hf_timing`) is not theirs."""
    from seisdiff.simulate.corpus import is_simulated

    region = np.asarray(region, dtype=str)
    if event is None:
        return region
    return np.where(is_simulated(np.asarray(event, dtype=str)), SIMULATED, region)


def unseen(level_model: dict, region) -> np.ndarray:
    """(n,) bool: the records whose region (n,) (`preprocess.regions`; '' = unknown) is not among the
    regions of the records the level model (and its network) was fitted on: where it applies."""
    return ~np.isin(np.asarray(region, dtype=str), np.asarray(level_model.get("regions", []), dtype=str))


def apply(generated_mps2, cond_mps2, level_model: dict, sampling_rate_hz: float, lowpass_hz: float,
          vertical, region=None) -> np.ndarray:
    """generated_mps2 (n, C, L) m/s² with its high band moved to the level the model predicts from
    the conditioning cond_mps2 (n, C, L) m/s²: lowpass(generated) + g·h, h = generated − lowpass(generated)
    (lowpass: the store's filter at lowpass_hz, order 4), first tapered to the timing its "timing" predicts
    when it has one (`hf_timing.taper_high_band`, energy kept), one gain g per trace with ln g = predicted −
    own band level of h, so the low band is left as it was, for the low-frequency merge to replace.
    Only records of a region the model was not fitted on (`unseen`; region None: all unknown) move. Traces whose conditioning is all zero (no
    prediction) or whose high band is empty keep their own. Same shape and dtype."""
    from seisdiff.dsp import lowpass

    gen = np.asarray(generated_mps2)
    cond = np.asarray(cond_mps2, np.float64)
    x = gen.astype(np.float64)
    region = np.asarray([""] * len(cond) if region is None else region, dtype=str)
    move = unseen(level_model, region)[:, None]
    low = lowpass(x, sampling_rate_hz, lowpass_hz, 4)
    hf = x - low
    with np.errstate(invalid="ignore"):
        predicted = predict(level_model, cond, sampling_rate_hz, lowpass_hz, vertical)
    if level_model.get("timing"):     # first the timing (energy kept), then the level of the tapered band
        hf = hf_timing.taper_high_band(hf.reshape(-1, hf.shape[-1]), cond.reshape(-1, hf.shape[-1]),
                                       level_model["timing"], sampling_rate_hz,
                                       np.broadcast_to(move & np.isfinite(predicted) & (region != SIMULATED)[:, None],
                                                       hf.shape[:-1]).ravel()
                                       ).reshape(hf.shape)
    band = tuple(level_model.get("band_hz", BAND_HZ))
    with np.errstate(invalid="ignore"):
        own = band_level(hf, sampling_rate_hz, band)
        ok = np.isfinite(predicted) & np.isfinite(own) & move
        gain = np.where(ok, np.exp(np.where(ok, predicted - own, 0.0)), 1.0)
    out = np.where(ok[..., None], low + gain[..., None] * hf, x)
    return out.astype(gen.dtype)


def attach(checkpoint, store, out=None, log=print) -> dict | None:
    """Fit the level model on the training split of `store` (the split `seisdiff train` made with the
    checkpoint's own val_fraction and seed: its validation events stay unseen) and write it into the
    checkpoint file `checkpoint` (or `out`), atomically; None is written when the store has too few
    real records (the checkpoint then says it has none). store: a Store or its path. Returns the model."""
    from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint
    from seisdiff.engine.config import config_from_dict
    from seisdiff.engine.data import split_indices
    from seisdiff.io.store import Store, open_store

    store = store if isinstance(store, Store) else open_store(store)
    ckpt = load_checkpoint(checkpoint)
    config = config_from_dict(ckpt["config"], str(checkpoint))
    train_rows, _ = split_indices(store, config.data.val_fraction, config.seed)
    ckpt["level_model"] = model = fit(store, train_rows, log=log)
    save_checkpoint(out or checkpoint, {k: v for k, v in ckpt.items() if k not in ("format", "version")})
    return model
