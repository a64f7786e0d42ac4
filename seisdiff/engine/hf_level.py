"""The level of the generated high frequencies in a region the model never saw (issue #20, item 3:
on an earthquake unlike the training ones, do not fall back to the training events' level).

The diffusion network learns the level of its high frequencies together with their shape and phase.
Trained on ~40 earthquakes, on a region it never saw it makes them at its training regions' level:
0.6–0.8 ln units too weak on Taiwan and Japan (docs/crossval_2026-12.md). A three-number ridge
regression fitted on the same training records carries over better. It predicts a record's
high-frequency Fourier level in two bands (BANDS_HZ: 2–6 and 8–25 Hz, i.e. the band's level and its
slope, a κ-like decay) from its conditioning alone:

- ln peak |conditioning| (m/s²): the default's amplitude anchor (`engine.scaling`, "peak");
- ln Fourier level just below the crossover (`dsp.level.record_level`, m/s): `stochastic`'s anchor; on the
  DFT grid of the fitted windows (`lowband_level_on_grid`: a transient's level whatever quiet surrounds it);
- the component (1 vertical, 0 horizontal);

and, where the records' distances are known (version 3), a within-event distance term: the level
falls by a fitted slope per ln unit of a station's distance from its event's mean ln distance
(`relative_ln_distance`; over the stations generated together, e.g. all stations of a simulation).
The three features set an event's mean level, the distance its stations' spread about it, which they
miss: on the training records a station twice as far as its event's average is ~0.4 ln weaker in
2–6 Hz and ~1 ln weaker in 8–25 Hz than its low band says (anelastic attenuation and κ along the path).
The term is centred per event, so headers' differing distance definitions (hypocentral, rupture, Joyner–
Boore) and magnitudes do not move an event's level.
Version 4 adds the features' own spread among an event's stations (`within_event`: a trace's ln
peak and ln low-band level minus their mean over its event's stations, verticals and horizontals
apart): between events a stronger low band means a larger, lower-cornered source and relatively
weaker high frequencies, within one event a nearer or softer site and stronger ones, and the pooled
fit mixes the two. Fitted jointly with the distance and applied where both are known (without a
distance it added nothing), centred per event as well, it moves no event's level (`_local_term`;
docs/MEASUREMENTS.md, "Features among an event's stations").

Version 5 adds the event's hypocentral depth where the records give it (store column `hypo_depth_km`,
from the files' headers or `preprocess --metadata`; `sample --hypocenter` for a simulation): a slope of
the events' mean residuals of the features on their ln depth (`_fit_depth`, each event one point; clipped
to the fitted depths' range). Deeper earthquakes make stronger high frequencies for their low band (higher stress
drops, e.g. intraslab events); leaving one region out on the real records' levels, the slope was
positive in all six folds (+0.14 to +0.67 ln per ln km, 2–6 Hz) and the held-out regions' mean |bias|
fell from 0.25 / 0.59 to 0.22 / 0.52 ln (2–6 / 8–25 Hz; docs/MEASUREMENTS.md, "The event's depth").
Unknown depth, or no term: version 4's level.
Version 6 adds the texture inside the band (`hf_texture`): real spectra are more uneven across frequency
than the network's (site and path resonances), so at the same band level they carry more energy; the
model keeps its records' median unevenness and `apply` makes each moved trace's high band as uneven, its
levels put back. With the depth term, on six regions held out in turn (sampling seeds 2 and 3), the fold
mean of Arias went from +0.201 to +0.143 and the failed fold checks against `stochastic` from 6 to 2, at
+0.019 of PSA sigma (docs/MEASUREMENTS.md, "Depth and texture, shipped").

Sampling moves each generated trace's high band to those levels (`apply`, before the low-frequency
merge, which then puts the conditioning's low band back) with one gain per trace that is a straight
line in ln f across 2–25 Hz (`set_band_levels`) for records of a region that none of the
fitted records came from, or of unknown region (`unseen`; regions: `preprocess.regions`). In a region
it was trained on the network keeps its own level, which is better there. The network keeps the
spectral shape inside the band about that line, the phase, the envelope and the spread between
realizations at single periods; the level and slope the regression sets are the same for every
realization of a record. One level over 2–25 Hz (version 1, still read from older checkpoints) set
the mean of the 8–25 Hz band's level, whose spread from record to record is twice the 2–6 Hz band's,
and the 2–6 Hz band, which carries most of PSA 0.05–1 s, with it (docs/MEASUREMENTS.md, "Level and
slope").
Measured in docs/MEASUREMENTS.md ("High-frequency level model", "Level and slope", "Distance among an
event's stations", "Features among an event's stations"): over six regions held out in turn, the
model's mean PSA bias went from +0.32 to −0.07 ln and its PSA sigma from 0.81 to 0.755; in its training
regions the network's own level was nearer (+0.21 against −0.43 on the
default's validation events, one-band level model).

The model is fitted on real records only (`fit`; simulated ones carry the simulator's level, not the
Earth's), their strong-motion windows, and kept in the checkpoint as plain numbers ("level_model", read
by `torch.load(weights_only=True)`; version 1: one band, "band_hz"; version 2: "bands_hz", one
intercept and one coefficient row per band; version 3: "distance", the within-event distance term, or
None; version 4: "within", the joint within-event term of the distance and the features, or None;
version 5: "depth", the event-depth term, or None; version 6: "texture", `hf_texture.fit`'s, or None), with
the regions it saw and, under "timing", the high band's timing relative to the low band (`hf_timing`:
fitted on the same records, applied before the level, to the same records except the simulator's,
`record_regions`). Checkpoints whose level model has no "timing" apply the level alone. Levels are
natural logs of Fourier
amplitudes |rfft(x)|/fs of acceleration in m/s², i.e. ln(m/s): band_level is the mean over LEVEL_BINS
log-spaced bins of ½ ln(mean |X(f)|² in the bin).
"""
from __future__ import annotations

import numpy as np

from seisdiff.dsp import lowpass
from seisdiff.dsp.level import log_binned_power, record_level, spectral_unevenness
from seisdiff.engine import hf_texture, hf_timing
from seisdiff.preprocess.condition import split_window_id

BAND_HZ = (2.0, 25.0)    # above the crossover's transition (1 Hz, order 4: gain 0.004 at 2 Hz)
BANDS_HZ = ((2.0, 6.0), (8.0, 25.0))   # version 2: the level and the slope of BAND_HZ
LEVEL_BINS = 8
TILT_ROUNDS = 4          # rounds of `set_band_levels`' two-band solve (each: one FFT pair)
MAX_TILT = 4.0           # |d ln gain / d ln f| bound of that solve
FEATURES = ("ln_peak_mps2", "ln_lowband_level_mps", "vertical")
WITHIN_FEATURES = FEATURES[:2]     # version 4: their spread among an event's stations (`within_event`)
RIDGE = 1.0              # on standardized features; the intercept is not penalized
MIN_RECORDS, MIN_EVENTS = 20, 3
VERSION = 6
MIN_DEPTH_KM = 1.0       # shallower hypocentres (0 or above sea level in catalogues) count as 1 km
MIN_DEPTH_EVENTS = 8     # the depth term is a slope across events: fewer give no term
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


def features(lowpass_mps2, sampling_rate_hz: float, lowpass_hz: float, vertical,
             grid_samples: int | None = None) -> np.ndarray:
    """(n, C, 3) features (FEATURES) of conditioning lowpass_mps2 (n, C, L) m/s² (low-passed at lowpass_hz,
    order 4) whose records are vertical (n,) (1/0; NaN = horizontal); the low band's level on the DFT grid
    of grid_samples (`lowband_level_on_grid`: the fitted windows' length, `grid_samples`; None: the trace's
    own, `record_level`, as models fitted before 2026-12-05 were applied)."""
    x = np.asarray(lowpass_mps2, np.float64)
    with np.errstate(divide="ignore"):
        peak = np.log(np.abs(x).max(axis=-1))
        spec = np.log(record_level(x, sampling_rate_hz, lowpass_hz, 4) if grid_samples is None
                      else lowband_level_on_grid(x, sampling_rate_hz, lowpass_hz, grid_samples))
    vert = np.nan_to_num(np.asarray(vertical, np.float64).reshape(-1, 1), nan=0.0)
    return np.stack([peak, spec, np.broadcast_to(vert, peak.shape)], axis=-1)


def lowband_level_on_grid(x_mps2, sampling_rate_hz: float, lowpass_hz: float, grid_samples: int) -> np.ndarray:
    """`record_level` (m/s) of traces x_mps2 (..., L) m/s² with their Fourier transform sampled on the DFT grid
    of grid_samples (at least `record_level`'s 16 periods of the crossover): the trace folded modulo it (the
    sum of its grid_samples-long pieces, whose DFT is the trace's Fourier transform at k·fs/grid_samples
    exactly), shorter ones zero-padded to it. The level is a mean of |X(f)|² over a few frequencies per bin
    (0.35–0.9 × the crossover: 2–6 on a 41 s grid), which on the trace's own grid moved with the quiet
    around a transient (its samples falling elsewhere on |X(f)|: 0.13 ln between a record alone and padded
    from 33 to 41 s); on the fitted windows' grid a transient's level is the same however it is padded or
    placed, and traces of grid_samples are measured as the model was fitted."""
    x = np.asarray(x_mps2, np.float64)
    n = max(int(grid_samples), int(2 ** np.ceil(np.log2(16 * sampling_rate_hz / lowpass_hz))))
    if x.shape[-1] == n:
        return record_level(x, sampling_rate_hz, lowpass_hz, 4)
    pieces = -(-x.shape[-1] // n)
    padded = np.zeros(x.shape[:-1] + (pieces * n,))
    padded[..., :x.shape[-1]] = x
    folded = padded.reshape(x.shape[:-1] + (pieces, n)).sum(axis=-2)
    return record_level(folded, sampling_rate_hz, lowpass_hz, 4)


def grid_samples(level_model: dict) -> int | None:
    """The length (samples) of the windows level_model was fitted on, whose DFT grid its features are
    measured on (`features`): "grid_samples", else its texture's records' length; None (each trace's own
    grid) for models that record neither."""
    n = level_model.get("grid_samples") or (level_model.get("texture") or {}).get("n_samples")
    return None if n is None else int(n)


def strong_motion_windows(record_ids) -> np.ndarray:
    """(n,) bool: the records that are a whole trace or the first window `preprocess` cut from one
    (id ending `_w0`: it starts 3 s before the 5 % Arias time, or holds the most Arias intensity where shorter than
    40 s: `preprocess.condition.first_window_start`), not a later window of the coda."""
    ids = np.asarray(record_ids, dtype=str)
    later = np.array([(split_window_id(rid)[1] or 0) > 0 for rid in ids], dtype=bool)
    return ~later


def fit(store, rows, log=print, block_records: int = 512,
        onset_fraction: float = hf_timing.ONSET_FRACTION, end_magnitude: bool = False,
        depth: bool = True, texture: bool = True) -> dict | None:
    """Fit the level model on the real records among `rows` of `store` (a training store with
    `broadband` and `lowpass`), their strong-motion windows only (`strong_motion_windows`: sampling
    applies the model to whole records, whose level their strong motion sets); None (and a line to
    `log`) when fewer than MIN_RECORDS such records from MIN_EVENTS events remain. The features'
    coefficients are fitted first, on every record (they alone predict where no distance is known),
    then the within-event distance term on their residuals (`_fit_distance`, from the store's
    `distance_km` and `event`; None when too few records have a distance). onset_fraction: the
    conditioning's Husid fraction the timing anchors the high band's start on (`hf_timing`);
    end_magnitude: also fit the timing's end as a line in the source's duration from the store's
    `magnitude` column (`hf_timing.fit`'s "end_source"; measured, not the default: docs/MEASUREMENTS.md,
    "The high band's end and the magnitude"); depth: fit the event-depth term from the store's
    `hypo_depth_km` where it has one (`_fit_depth`; version 5; False: none); texture: keep the records' median
    spectral unevenness (`hf_texture.fit`, "texture"; version 6; False: none), which `apply` gives the
    generated high band. Returns plain numbers (checkpoint-safe)."""
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
    magnitude = store.column("magnitude").astype(np.float64) if end_magnitude and "magnitude" in store.columns \
        else np.full(len(store), np.nan)            # per record; the timing's end line only where asked
    X, y, onset_s, end_s, trace_magnitude, uneven = [], [], [], [], [], []
    for lo in range(0, len(real), block_records):
        part = real[lo:lo + block_records]
        block = store.read(int(part[0]), int(part[-1]) + 1, fields=("broadband", "lowpass"))
        bb, lp = block["broadband"][part - part[0]], block["lowpass"][part - part[0]]
        X.append(features(lp, fs, fx, vertical[part], store.length))
        high = bb - lowpass(bb, fs, fx, 4)
        y.append(np.stack([band_level(high, fs, band).reshape(-1) for band in BANDS_HZ], axis=-1))
        onset, end = hf_timing.offsets_s(bb, lp, fs, fx, onset_fraction)
        onset_s.append(onset)
        end_s.append(end)
        trace_magnitude.append(np.repeat(magnitude[part], bb.shape[1]))      # offsets_s: one per (record, channel)
        if texture:
            uneven.append(spectral_unevenness(bb, fs).reshape(-1))
    timing = hf_timing.fit(np.concatenate(onset_s), np.concatenate(end_s), onset_fraction,
                           np.concatenate(trace_magnitude))
    X, y = np.concatenate(X), np.concatenate(y)
    per_trace = X.shape[1]                                           # the store's channels
    trace_within = within_event(events[real], X, vertical[real]).reshape(-1, len(WITHIN_FEATURES))
    X = X.reshape(-1, len(FEATURES))
    trace_event = np.repeat(events[real], per_trace)
    trace_distance = np.repeat(relative_ln_distance(events[real], store.column("distance_km")[real]
                                                    if "distance_km" in store.columns else None), per_trace)
    trace_depth_km = np.repeat(store.column("hypo_depth_km")[real] if "hypo_depth_km" in store.columns
                               else np.full(len(real), np.nan), per_trace)
    ok = np.isfinite(X).all(axis=1) & np.isfinite(y).all(axis=1)
    X, y, trace_event = X[ok], y[ok], trace_event[ok]
    trace_distance, trace_within, trace_depth_km = trace_distance[ok], trace_within[ok], trace_depth_km[ok]
    regions = sorted(set(store.column("region")[real].tolist()) - {""}) if "region" in store.columns else []
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    A = np.column_stack([np.ones(len(y)), (X - mean) / scale])
    penalty = RIDGE * np.eye(A.shape[1])
    penalty[0, 0] = 0.0
    coef = np.linalg.solve(A.T @ A + penalty, A.T @ y)            # (1 + features, bands)
    # the distance term on what the features leave: they alone must serve where no distance is known
    distance = _fit_distance(y - A @ coef, trace_event, trace_distance)
    # the features' own place among an event's stations, with the distance (version 4)
    within = _fit_within(y - A @ coef, trace_event, trace_within, trace_distance)
    # the event's depth, between events (version 5); the terms above are centred per event: independent
    depth = _fit_depth(y - A @ coef, trace_event, ln_depth(trace_depth_km)) if depth else None
    texture = hf_texture.fit(np.concatenate(uneven), store.length) if texture else None
    residual = y - A @ coef - _local_term(distance, within, trace_distance, trace_within) \
        - depth_term(depth, trace_depth_km, len(BANDS_HZ))
    log(f"level model: fitted on {len(y)} traces of {n_events} events, residual sd "
        + ", ".join(f"{sd:.2f} ln ({lo:g}–{hi:g} Hz)" for sd, (lo, hi) in zip(residual.std(axis=0), BANDS_HZ))
        + ("" if distance is None else "; within an event, per ln unit of distance "
           + ", ".join(f"{b:+.2f}" for b in distance["coef"]) + f" ln ({distance['n_traces']} traces)")
        + ("" if within is None else "; with the distance, per ln unit of peak / low-band level among the "
           "event's stations " + ", ".join(f"{p:+.2f}/{q:+.2f}" for p, q in within["coef"]) + " ln (the distance's "
           + ", ".join(f"{d:+.2f}" for d in within["distance_coef"]) + f"; {within['n_traces']} traces)")
        + ("" if depth is None else "; per ln unit of the event's depth "
           + ", ".join(f"{d:+.2f}" for d in depth["coef"])
           + f" ln ({depth['n_events']} events, {np.exp(depth['range_ln_km'][0]):.0f}–"
           f"{np.exp(depth['range_ln_km'][1]):.0f} km)")
        + ("" if texture is None else f"; spectral unevenness {texture['unevenness']:.2f} ln (median of "
           f"{texture['n_traces']} traces)")
        + ("" if timing is None else f"; high band's 5 %/95 % Arias times {timing['onset_s']:+.1f}/"
           f"{timing['end_s']:+.1f} s from the low band's {100 * timing['onset_fraction']:g} %/95 %"
           + ("" if "end_source" not in timing else
              f" (the end {timing['end_source']['intercept_s']:+.1f} s {timing['end_source']['slope_s']:+.2f} s "
              f"per M6 source duration where the magnitude is known, {timing['end_source']['n_traces']} traces)")))
    return {"version": VERSION, "features": list(FEATURES), "bands_hz": [list(b) for b in BANDS_HZ],
            "grid_samples": int(store.length),
            "ridge": RIDGE, "mean": mean.tolist(), "scale": scale.tolist(), "intercept": coef[0].tolist(),
            "coef": coef[1:].T.tolist(), "regions": regions, "residual_sd": residual.std(axis=0).tolist(),
            "n_traces": int(len(y)), "n_events": int(n_events), "timing": timing, "distance": distance,
            "within": within, "depth": depth, "texture": texture}


def _group_means(which, values) -> tuple[np.ndarray, np.ndarray]:
    """(per-group means (groups, ...) of values (m, ...), records per group (groups,)) over the group index
    `which` (m,) int, every group 0 … max present (np.unique's return_inverse)."""
    values = np.asarray(values, np.float64)
    count = np.bincount(which)
    sums = np.zeros((len(count),) + values.shape[1:])
    np.add.at(sums, which, values)
    return sums / count.reshape((-1,) + (1,) * (values.ndim - 1)), count


def _member_means(which, values, members=None) -> tuple[np.ndarray, np.ndarray]:
    """`_group_means` over the members (m,) bool only (None: all), for every group of `which` (m,): (means
    (groups, ...), NaN where a group has no member; members per group (groups,))."""
    if members is None:
        return _group_means(which, values)
    values = np.asarray(values, np.float64)
    count = np.bincount(which[members], minlength=which.max() + 1)
    sums = np.zeros((len(count),) + values.shape[1:])
    np.add.at(sums, which[members], values[members])
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / count.reshape((-1,) + (1,) * (values.ndim - 1)), count


def ln_depth(hypo_depth_km) -> np.ndarray:
    """(n,) ln of hypocentral depths (km), at least MIN_DEPTH_KM; NaN where unknown."""
    d = np.asarray(hypo_depth_km, np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(d), np.log(np.maximum(d, MIN_DEPTH_KM)), np.nan)


def _fit_depth(residual, event, trace_ln_depth) -> dict | None:
    """The event-depth term (version 5): per band, the least-squares slope of the events' mean residual of
    the features (residual (n, bands) of traces of `event` (n,)) on their ln depth (`ln_depth`, one per
    event; NaN: unknown, left out), about its mean over the events: a between-event term, each event one
    point (weighting traces, the events with the most stations would set it). None below MIN_DEPTH_EVENTS
    events with a depth, or when they all share one."""
    has = np.isfinite(trace_ln_depth) & (event != "")
    names, which = np.unique(event[has], return_inverse=True)
    if len(names) < MIN_DEPTH_EVENTS:
        return None
    mean_residual, _ = _group_means(which, residual[has])
    d, _ = _group_means(which, trace_ln_depth[has])
    c = d - d.mean()
    if not (c ** 2).sum() > 0:
        return None
    slope = (c[:, None] * (mean_residual - mean_residual.mean(0))).sum(0) / (c ** 2).sum()
    return {"coef": slope.tolist(), "mean_ln_km": float(d.mean()), "range_ln_km": [float(d.min()), float(d.max())],
            "n_traces": int(has.sum()), "n_events": int(len(names))}


def depth_term(depth: dict | None, hypo_depth_km, n_bands: int) -> np.ndarray:
    """(n, bands) the depth term of hypocentral depths hypo_depth_km (n,) km: the slope times the ln depth
    (clipped to the fitted range) less the fitted mean; 0 where the depth is unknown or there is no term."""
    d = ln_depth(hypo_depth_km)
    if not depth:
        return np.zeros((len(d), n_bands))
    lo, hi = depth["range_ln_km"]
    return np.where(np.isfinite(d), np.clip(d, lo, hi) - depth["mean_ln_km"], 0.0)[:, None] * np.asarray(depth["coef"])


def relative_ln_distance(event, distance_km, members=None) -> np.ndarray:
    """(n,) ln distance_km of each record minus the mean ln distance of its event's records (those of
    `event` (n,) with a known distance; the records given are the event's stations): where a station
    sits among its event's stations. NaN where the distance is unknown (NaN, ≤ 0), the event is '', or
    fewer than two of its records have one. distance_km None: all NaN. members (n,) bool: the records
    the means are taken over (`strong_motion_windows`: a station's later windows are no more stations, as
    in `fit`); None: all."""
    event = np.asarray(event, dtype=str)
    out = np.full(len(event), np.nan)
    if distance_km is None:
        return out
    with np.errstate(invalid="ignore", divide="ignore"):
        ln_r = np.log(np.asarray(distance_km, np.float64))
    known = np.isfinite(ln_r) & (event != "")
    if not known.any():
        return out
    _, which = np.unique(event[known], return_inverse=True)
    mean, count = _member_means(which, ln_r[known], None if members is None else np.asarray(members, bool)[known])
    out[known] = np.where(count[which] >= 2, ln_r[known] - mean[which], np.nan)
    return out


def _fit_distance(residual, event, ln_distance_rel) -> dict | None:
    """The within-event distance term: per band, the slope of the level model's residuals (n, bands),
    centred per event, on `relative_ln_distance` (no intercept: an event's mean level is the three
    features', its stations' spread about it the distance's). None below MIN_RECORDS traces of
    MIN_EVENTS events with a distance."""
    has = np.isfinite(ln_distance_rel)
    if has.sum() < MIN_RECORDS or len(set(event[has].tolist())) < MIN_EVENTS:
        return None
    coef = _centred_lstsq(residual[has], event[has], ln_distance_rel[has][:, None])[0]
    return {"coef": coef.tolist(), "n_traces": int(has.sum()), "n_events": len(set(event[has].tolist()))}


def within_event(event, feats, vertical=None, members=None) -> np.ndarray:
    """(n, C, 2) each trace's ln peak and ln low-band level (the first two of `features` feats (n, C, 3),
    WITHIN_FEATURES) minus their mean over the same channel of its event's records of the same
    component kind (vertical (n,) 1/0, NaN or None: horizontal): where a station's conditioning sits
    among its event's stations (the records of `event` (n,) given, e.g. every station generated
    together). Verticals and horizontals apart, as a vertical's weaker low band says nothing of its
    place. NaN where the event is '', fewer than two of its records of that kind have finite features,
    or the trace's own are not finite. members (n,) bool: the records the means are taken over
    (`relative_ln_distance`'s); None: all."""
    event = np.asarray(event, dtype=str)
    x = np.asarray(feats, np.float64)[..., :len(WITHIN_FEATURES)]
    out = np.full(x.shape, np.nan)
    known = np.isfinite(x).all(axis=(1, 2)) & (event != "")
    if not known.any():
        return out
    which, _ = _event_kind_groups(event[known], None if vertical is None else np.asarray(vertical)[known])
    xk = x[known]                                                         # (m, C, 2)
    mean, count = _member_means(which, xk, None if members is None else np.asarray(members, bool)[known])
    out[known] = np.where((count[which] >= 2)[:, None, None], xk - mean[which], np.nan)
    return out


def within_event_groups(event, vertical=None) -> np.ndarray:
    """(n,) bool: the records `within_event` can place, those with an event shared by another record of
    the same component kind (before looking at their features)."""
    event = np.asarray(event, dtype=str)
    which, count = _event_kind_groups(event, vertical)
    return (event != "") & (count[which] >= 2)


def _event_kind_groups(event, vertical=None) -> tuple[np.ndarray, np.ndarray]:
    """(group index (n,), records per group) of the (event, component kind) pairs of records `event`
    (n,) str and vertical (n,) 1/0 (NaN or None: horizontal)."""
    kind = np.zeros(len(event)) if vertical is None else np.nan_to_num(np.asarray(vertical, np.float64), nan=0.0)
    _, event_id = np.unique(event, return_inverse=True)
    _, which, count = np.unique(2 * event_id + (kind > 0), return_inverse=True, return_counts=True)
    return which, count


def store_within_event(store, block_records: int = 512, grid: int | None = None) -> np.ndarray | None:
    """`within_event` of every record of `store` (a conditioning store with `lowpass` and `event`; the
    component from its `component` column, `scaling.metadata_columns`), its events' stations being the
    store's strong-motion windows (`strong_motion_windows`, as in `fit`): one pass over its conditioning; the
    features on the DFT grid of `grid` (the level model's `grid_samples`, as `predict` measures them). None
    without an `event` column."""
    from seisdiff.engine.scaling import metadata_columns

    if "event" not in store.columns:
        return None
    n = len(store)
    feats = [features(store.read(lo, min(lo + block_records, n), fields=("lowpass",))["lowpass"],
                      store.sampling_rate_hz, store.lowpass_hz, np.zeros(min(block_records, n - lo)), grid)
             for lo in range(0, n, block_records)]
    vertical = metadata_columns({c: store.column(c) for c in store.columns}).get("vertical")
    return within_event(store.column("event"), np.concatenate(feats), vertical, strong_motion_windows(store.record_ids))


def _local_term(distance: dict | None, within: dict | None, ln_distance_rel, within_dev) -> np.ndarray:
    """(..., bands) where each trace sits among its event's stations: within_dev (..., 2) (`within_event`)
    and ln_distance_rel broadcast on its leading axes (e.g. (n,) against (n, C, 2)), NaN = unknown. Both
    known: the joint fit of the distance and the features' place (`within`); the distance alone: the
    distance term; else 0 (the features' place without a distance was measured to add nothing,
    docs/MEASUREMENTS.md, "Features among an event's stations")."""
    w = np.asarray(within_dev, np.float64)
    rel = np.asarray(ln_distance_rel, np.float64)
    rel = np.broadcast_to(rel.reshape(rel.shape + (1,) * (w.ndim - 1 - rel.ndim)), w.shape[:-1])[..., None]
    d_known, w_known = np.isfinite(rel), np.isfinite(w).all(axis=-1, keepdims=True)
    r0, w0 = np.nan_to_num(rel, nan=0.0), np.nan_to_num(w, nan=0.0)
    term = np.zeros(w.shape[:-1] + (1,))
    if distance and (d_known & ~w_known if within else d_known).any():
        term = np.where(d_known & ~w_known if within else d_known, r0 * np.asarray(distance["coef"]), term)
    if within and (d_known & w_known).any():
        joint = r0 * np.asarray(within["distance_coef"]) + w0 @ np.asarray(within["coef"]).T
        term = np.where(d_known & w_known, joint, term)
    return term


def _centred_lstsq(residual, event, design):
    """Least-squares coefficients (k, bands) of residual (m, bands), centred per event, on design (m, k)."""
    _, which = np.unique(event, return_inverse=True)
    return np.linalg.lstsq(design, residual - _group_means(which, residual)[0][which], rcond=None)[0]


def _fit_within(residual, event, within_dev, ln_distance_rel) -> dict | None:
    """The within-event term of the features' place and the distance, fitted jointly on the records that
    have both (within_dev (n, 2), `within_event`; ln_distance_rel (n,)): least squares of the features'
    residuals (n, bands), centred per event (no intercept: no event's mean level moves), on
    [ln_distance_rel, within_dev]. Returns {"distance_coef" (bands,), "coef" (bands, 2), …}; None below
    MIN_RECORDS traces of MIN_EVENTS events with both."""
    both = np.isfinite(within_dev).all(axis=1) & np.isfinite(ln_distance_rel)
    if both.sum() < MIN_RECORDS or len(set(event[both].tolist())) < MIN_EVENTS:
        return None
    joint = _centred_lstsq(residual[both], event[both], np.column_stack([ln_distance_rel[both], within_dev[both]]))
    return {"distance_coef": joint[0].tolist(), "coef": joint[1:].T.tolist(), "features": list(WITHIN_FEATURES),
            "n_traces": int(both.sum()), "n_events": len(set(event[both].tolist()))}


def bands(level_model: dict) -> tuple[list[tuple[float, float]], np.ndarray, np.ndarray]:
    """(bands in Hz, intercepts (nb,), coefficients (nb, features)) of a level model of any version
    (1: one band, "band_hz"; 2 to 5: "bands_hz")."""
    if "bands_hz" in level_model:
        return ([tuple(b) for b in level_model["bands_hz"]], np.asarray(level_model["intercept"], np.float64),
                np.asarray(level_model["coef"], np.float64))
    return ([tuple(level_model.get("band_hz", BAND_HZ))], np.array([level_model["intercept"]], np.float64),
            np.asarray([level_model["coef"]], np.float64))


def predict(level_model: dict, lowpass_mps2, sampling_rate_hz: float, lowpass_hz: float, vertical,
            ln_distance_rel=None, within_dev=None, hypo_depth_km=None) -> np.ndarray:
    """Predicted ln band levels (n, C, nb), ln(m/s), one per band of the model (`bands`), of the records
    whose conditioning is lowpass_mps2 (n, C, L); plus its within-event distance term (version 3,
    "distance") where ln_distance_rel (n,) (`relative_ln_distance`) is known (None or NaN: none), and
    its within-event features' term (version 4, "within") where within_dev (n, C, 2) (`within_event`,
    over the event's stations) is known (None or NaN: none); both known: their joint fit (`_local_term`);
    and its event-depth term (version 5, "depth") where hypo_depth_km (n,) km is known (`depth_term`)."""
    X = features(lowpass_mps2, sampling_rate_hz, lowpass_hz, vertical, grid_samples(level_model))
    z = (X - np.asarray(level_model["mean"])) / np.asarray(level_model["scale"])
    _, intercept, coef = bands(level_model)
    level = intercept + z @ coef.T
    rel = np.full(len(level), np.nan) if ln_distance_rel is None else np.asarray(ln_distance_rel, np.float64)
    dev = np.full(level.shape[:-1] + (len(WITHIN_FEATURES),), np.nan) if within_dev is None else within_dev
    depth = np.full(len(level), np.nan) if hypo_depth_km is None else hypo_depth_km
    return level + _local_term(level_model.get("distance"), level_model.get("within"), rel, dev) \
        + depth_term(level_model.get("depth"), depth, level.shape[-1])[:, None, :]


def padded_length(n_samples: int) -> int:
    """DFT length for a zero-phase gain across frequency on a trace of n_samples: twice it (a fast
    length). A gain's impulse response is non-causal and seconds long (the texture's knots, a tilt's
    corners); on the trace's own n samples the convolution is circular and the response of its first
    seconds lands on its last ones (a burst 2 s into a quiet 150 s trace came back as 2 % of its peak in
    the last second; a network's strong start, 27 %): in the zeros it is cut off instead."""
    from scipy.fft import next_fast_len

    return int(next_fast_len(2 * int(n_samples), real=True))


def set_band_levels(high_mps2, target_ln, band_list, sampling_rate_hz: float) -> np.ndarray:
    """high_mps2 (m, L) m/s² times a gain per trace that puts its ln levels (`band_level`) in band_list
    (one or two bands) on target_ln (m, nb): one number for one band; for two, a gain whose log is a
    straight line in ln f, held at its end values below the first band's low edge and above the last
    band's high edge (the level and the slope), solved in TILT_ROUNDS rounds (slope bounded by MAX_TILT).
    Traces with a non-finite target or own level are returned unchanged. The gain is applied on the
    trace zero-padded to `padded_length` (a linear, not circular, convolution)."""
    h = np.asarray(high_mps2, np.float64)
    target = np.asarray(target_ln, np.float64)
    out = h.copy()
    ok = np.isfinite(target).all(axis=-1)
    if not ok.any():
        return out
    with np.errstate(divide="ignore"):
        own = np.full(target.shape, -np.inf)
        own[ok] = np.stack([band_level(h[ok], sampling_rate_hz, b) for b in band_list], axis=-1)
    ok &= np.isfinite(own).all(axis=-1)
    if not ok.any():
        return out
    if len(band_list) == 1:
        out[ok] = h[ok] * np.exp(target[ok, 0] - own[ok, 0])[:, None]
        return out
    if len(band_list) != 2:
        raise ValueError(f"set_band_levels: one or two bands, not {len(band_list)}")
    lo_hz, hi_hz = band_list[0][0], band_list[1][1]
    n, n_fft = h.shape[-1], padded_length(h.shape[-1])
    freqs_hz = np.fft.rfftfreq(n_fft, 1.0 / sampling_rate_hz)
    x = np.log(np.clip(freqs_hz, lo_hz, hi_hz) / np.sqrt(lo_hz * hi_hz))      # 0 at the span's centre
    centre = np.log([np.sqrt(b[0] * b[1]) / np.sqrt(lo_hz * hi_hz) for b in band_list])   # the bands' x
    spectrum = np.fft.rfft(h[ok], n=n_fft, axis=-1)
    a = np.zeros(int(ok.sum()))
    b = np.zeros_like(a)
    now = own[ok]
    for _ in range(TILT_ROUNDS):           # a band's level moves by a + b·x at its centre (log-spaced bins)
        miss = target[ok] - now
        b_new = np.clip(b + (miss[:, 1] - miss[:, 0]) / (centre[1] - centre[0]), -MAX_TILT, MAX_TILT)
        a = a + miss[:, 0] - (b_new - b) * centre[0]
        b = b_new
        tilted = np.fft.irfft(spectrum * np.exp(a[:, None] + b[:, None] * x), n=n_fft, axis=-1)[:, :n]
        now = np.stack([band_level(tilted, sampling_rate_hz, band) for band in band_list], axis=-1)
    out[ok] = tilted
    return out


def record_regions(region, event=None, scenario: bool = False) -> np.ndarray:
    """(n,) str: the regions (n,) the level model's rule reads, with the records of the corpus simulator
    (events SIMEV…, `simulate.corpus.is_simulated`, e.g. the demo's test records) as a region of their
    own, SIMULATED: never among the fitted (real) regions, so their level is the level model's, but
    their high band keeps the network's timing — the simulator gives every frequency one envelope, so
    the real records' timing (`hf_timing`) is not theirs. scenario: the records are a scenario
    simulation's output, an earthquake nobody trained on (`sample --scenario`; a station grid always): every
    other record's region is '' (unknown), so the level model acts on it wherever it lies
    (docs/MEASUREMENTS.md, "A scenario against BSSA14")."""
    from seisdiff.simulate.corpus import is_simulated

    region = np.asarray(region, dtype=str)
    if scenario:
        region = np.full(region.shape, "")
    if event is None:
        return region
    return np.where(is_simulated(np.asarray(event, dtype=str)), SIMULATED, region)


def unseen(level_model: dict, region) -> np.ndarray:
    """(n,) bool: the records whose region (n,) (`preprocess.regions`; '' = unknown) is not among the
    regions of the records the level model (and its network) was fitted on: where it applies."""
    return ~np.isin(np.asarray(region, dtype=str), np.asarray(level_model.get("regions", []), dtype=str))


def apply(generated_mps2, cond_mps2, level_model: dict, sampling_rate_hz: float, lowpass_hz: float,
          vertical, region=None, ln_distance_rel=None, within_dev=None, magnitude=None,
          hypo_depth_km=None, texture_seeds=None) -> np.ndarray:
    """generated_mps2 (n, C, L) m/s² with its high band moved to the levels the model predicts from
    the conditioning cond_mps2 (n, C, L) m/s²: lowpass(generated) + G·h, h = generated − lowpass(generated)
    (lowpass: the store's filter at lowpass_hz, order 4), first tapered to the timing its "timing" predicts
    when it has one (`hf_timing.taper_high_band`, energy kept), G: one gain per trace
    (`set_band_levels`: a number for a version-1 model, a straight line in ln f for version 2's level
    and slope), so the low band is left as it was, for the low-frequency merge to replace. Only records
    of a region the model was not fitted on (`unseen`; region None: all unknown) move; ln_distance_rel
    (n,): where each sits among its event's stations by distance (`relative_ln_distance`; None: unknown),
    within_dev (n, C, 2) by its conditioning's peak and level (`within_event`; None: unknown);
    hypo_depth_km (n,) its event's depth (`depth_term`; NaN or None: unknown); magnitude (n,) the
    timing's end (`hf_timing.end_offsets_s`; NaN or None: unknown). A model with a "texture" then makes
    each moved trace's high band as uneven across frequency as its real records' (`hf_texture.roughen`, the
    levels put back; not the simulator's records, as the timing: their spectra are the simulator's), the
    draw of record i's channel c from texture_seeds[i] (n,) int and c (None: i).
    Traces whose conditioning is all zero (no prediction) or whose high band is empty keep their own.
    Same shape and dtype."""
    from seisdiff.dsp import lowpass

    gen = np.asarray(generated_mps2)
    cond = np.asarray(cond_mps2, np.float64)
    x = gen.astype(np.float64)
    region = np.asarray([""] * len(cond) if region is None else region, dtype=str)
    move = unseen(level_model, region)[:, None]
    low = lowpass(x, sampling_rate_hz, lowpass_hz, 4)
    hf = x - low
    with np.errstate(invalid="ignore"):
        predicted = predict(level_model, cond, sampling_rate_hz, lowpass_hz, vertical, ln_distance_rel, within_dev,
                            hypo_depth_km)
    predictable = np.isfinite(predicted).all(axis=-1)
    flat = (-1, hf.shape[-1])
    if level_model.get("timing"):     # first the timing (energy kept), then the level of the tapered band
        hf = hf_timing.taper_high_band(hf.reshape(flat), cond.reshape(flat), level_model["timing"], sampling_rate_hz,
                                       np.broadcast_to(move & predictable & (region != SIMULATED)[:, None],
                                                       hf.shape[:-1]).ravel(),
                                       None if magnitude is None else
                                       np.broadcast_to(np.asarray(magnitude, np.float64)[:, None], hf.shape[:-1]).ravel()
                                       ).reshape(hf.shape)
    band_list, _, _ = bands(level_model)
    target = np.where((move & predictable)[..., None], predicted, np.nan)   # NaN: left as it is
    hf_new = set_band_levels(hf.reshape(flat), target.reshape(-1, len(band_list)), band_list,
                             sampling_rate_hz).reshape(hf.shape)
    moved = np.broadcast_to(move & predictable & (region != SIMULATED)[:, None], hf.shape[:-1])
    if level_model.get("texture") and moved.any():      # the texture inside the band, the levels put back
        seeds = np.arange(len(hf)) if texture_seeds is None else np.asarray(texture_seeds, np.int64)
        trace_seeds = [(int(seeds[i]), c) for i, c in zip(*np.nonzero(moved))]
        hf_new[moved] = hf_texture.roughen(hf_new[moved], level_model["texture"], trace_seeds, band_list,
                                           sampling_rate_hz, target[moved])
    out = np.where((move & predictable)[..., None], low + hf_new, x)
    return out.astype(gen.dtype)


def attach(checkpoint, store, out=None, log=print, onset_fraction: float = hf_timing.ONSET_FRACTION,
           end_magnitude: bool = False, depth: bool = True, texture: bool = True) -> dict | None:
    """Fit the level model on the training split of `store` (the split `seisdiff train` made with the
    checkpoint's own val_fraction and seed: its validation events stay unseen) and write it into the
    checkpoint file `checkpoint` (or `out`), atomically; None is written when the store has too few
    real records (the checkpoint then says it has none). store: a Store or its path. onset_fraction,
    end_magnitude, depth, texture: as `fit`'s. Returns the model."""
    from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint
    from seisdiff.engine.config import config_from_dict
    from seisdiff.engine.data import split_indices
    from seisdiff.io.store import Store, open_store

    store = store if isinstance(store, Store) else open_store(store)
    ckpt = load_checkpoint(checkpoint)
    config = config_from_dict(ckpt["config"], str(checkpoint))
    train_rows, _ = split_indices(store, config.data.val_fraction, config.seed)
    ckpt["level_model"] = model = fit(store, train_rows, log=log, onset_fraction=onset_fraction,
                                      end_magnitude=end_magnitude, depth=depth, texture=texture)
    save_checkpoint(out or checkpoint, {k: v for k, v in ckpt.items() if k not in ("format", "version")})
    return model
