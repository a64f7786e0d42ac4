"""`evaluate`: generated records against the real ones, next to the two baselines.

Generated traces are matched to real records by record id (several realizations per id; an id
`<real id>_r<k>` also matches `<real id>`). For the model and for both baselines (computed from the
real store's `lowpass`) it computes every metric of `seisdiff.evaluate.metrics`, the goodness of fit
of `seisdiff.evaluate.gof` (residuals averaged over realizations, then over channels, per record),
Anderson scores, envelope correlation, low-band consistency (both over each record's own samples in a
store of whole records: column n_samples) and the pre-event ratio (generated /
real `metrics.pre_event_level`: > 2 Hz rms over a window's quiet first 2 s relative to the trace's
> 2 Hz peak; its median over records and the fraction of records above PRE_EVENT_LIMIT×, over the records
judged: those whose real window begins with a pre-event segment, `pre_event_judged`; the others' ratio is NaN,
not a number from strong motion; `pre_event_n_records` says how many), and
writes to the output folder:
`metrics.json` (summary per system and per-record values of the model; names carry units), the
figures, and `report.md`. The headline numbers are taken above the crossover (PSA 0.05–1 s, FAS
1–25 Hz); the JSON keeps the full-band curves. With several realizations per record it also gives
the model's summary as one realization per record would (`model_one_realization`: mean, sd, min and
max over the draws), the form in which the quality goals are stated.

Three-component stores (channels H1, H2, Z, `horizontal_pair`) are measured as the field reports them
(`metrics.compute_three_component`): every key (psa, fas, pga, pgv, arias, cav, d5_75, d5_95, …) is the
horizontals' — PSA RotD50 of the pair, FAS and the other scalars the geometric mean of H1 and H2,
durations their arithmetic mean — and the vertical's is reported apart under the same key with
`_vertical` (psa_vertical_band_bias_ln, fas_vertical_band_bias_ln, pga_vertical_bias_ln,
d5_95_vertical_diff_s, …; per record pga_vertical_real_mps2, …); metrics.json says so in
`psa_horizontal` ("RotD50") and `scalars_horizontal`. One-channel stores have no such keys. Envelope and
low-band consistency stay the mean over channels.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from tqdm import tqdm

from seisdiff.errors import UserError
from seisdiff.evaluate import baselines, figures, gof
from seisdiff.evaluate.metrics import (DEFAULT_PERIODS_S, PRE_EVENT_S, compute_all, compute_three_component, envelope,
                                       envelope_correlation, fas_frequencies, lowband_consistency)
from seisdiff.io.atomic import write_text_atomic
from seisdiff.io.store import Store, open_store
from seisdiff.preprocess.condition import WINDOW_ID, edge_samples, onset_windows

BASELINES = ("lf_only", "stochastic")
# what metrics.json's numbers mean: raised when a measure changes for the same inputs (2: 3-component
# scalars of the horizontals with the vertical apart; correlations over each whole record's own length;
# 3: a store's windows' low band compared beyond their edge zones, `consistency`; 4: the pre-event ratio judged
# only on windows that begin before the motion, `pre_event_judged`)
METRICS_VERSION = 4
HEADLINE_PERIOD_BAND_S = (0.05, 1.0)
HEADLINE_FREQ_BAND_HZ = (1.0, 25.0)
# name → unit suffix; energy_duration and unevenness: the realism of the peak factor and of the spectrum's
# shape (metrics.energy_duration, metrics.spectral_unevenness; issue #20: why Arias and PGA pull apart)
LOG_SCALARS = {"pga": "mps2", "pgv": "mps", "arias": "mps", "cav": "mps", "energy_duration": "s", "unevenness": "ln"}
DURATIONS = ("d5_75", "d5_95")
ANDERSON_METRICS = ("pga", "pgv", "arias", "cav", "d5_95")
BLOCK_TRACES = 64
N_WAVEFORMS = 4
REALIZATION_ID = re.compile(r"^(?P<record>.+)_r\d+$")
HORIZONTAL_SCALARS = ("geometric mean of H1 and H2 (FAS per frequency); durations: arithmetic mean; "
                      "the vertical apart (<metric>_vertical)")
PRE_EVENT_LIMIT = 3.0  # pre-event ratio above which a record counts as "noisy before the event"

# (label, summary key, format) of the table in report.md and on the terminal
TABLE_ROWS = [
    ("PSA bias 0.05–1 s (ln)", "psa_band_bias_ln", "{:+.3f}"),
    ("PSA mean abs. bias 0.05–1 s (ln)", "psa_band_abs_bias_ln", "{:.3f}"),
    ("PSA sigma 0.05–1 s (ln)", "psa_band_sigma_ln", "{:.3f}"),
    ("PSA vertical bias 0.05–1 s (ln)", "psa_vertical_band_bias_ln", "{:+.3f}"),   # 3-component stores
    ("PSA vertical sigma 0.05–1 s (ln)", "psa_vertical_band_sigma_ln", "{:.3f}"),
    ("FAS bias 1–25 Hz (ln)", "fas_band_bias_ln", "{:+.3f}"),
    ("FAS mean abs. bias 1–25 Hz (ln)", "fas_band_abs_bias_ln", "{:.3f}"),
    ("FAS vertical bias 1–25 Hz (ln)", "fas_vertical_band_bias_ln", "{:+.3f}"),   # 3-component stores
    ("PGA bias (ln)", "pga_bias_ln", "{:+.3f}"),
    ("PGA median ln ratio", "pga_median_ln", "{:+.3f}"),
    ("PGV bias (ln)", "pgv_bias_ln", "{:+.3f}"),
    ("Arias bias (ln)", "arias_bias_ln", "{:+.3f}"),
    ("Arias median ln ratio", "arias_median_ln", "{:+.3f}"),
    ("CAV bias (ln)", "cav_bias_ln", "{:+.3f}"),
    ("D5–95 real − generated (s)", "d5_95_diff_s", "{:+.2f}"),
    ("D5–95 median real − generated (s)", "d5_95_median_diff_s", "{:+.2f}"),
    ("PGA vertical bias (ln)", "pga_vertical_bias_ln", "{:+.3f}"),               # 3-component stores
    ("PGV vertical bias (ln)", "pgv_vertical_bias_ln", "{:+.3f}"),
    ("Arias vertical bias (ln)", "arias_vertical_bias_ln", "{:+.3f}"),
    ("CAV vertical bias (ln)", "cav_vertical_bias_ln", "{:+.3f}"),
    ("D5–95 vertical real − generated (s)", "d5_95_vertical_diff_s", "{:+.2f}"),
    ("Anderson mean score (0–10)", "anderson_mean_score", "{:.2f}"),
    ("envelope correlation (median)", "envelope_corr_median", "{:.3f}"),
    ("pre-event > 2 Hz level, generated/real (median)", "pre_event_ratio_median", "{:.2f}"),
    ("pre-event ratio: records judged (a quiet start before the onset)", "pre_event_n_records", "{:g}"),
    (f"pre-event ratio > {PRE_EVENT_LIMIT:g}× (fraction of records)", "pre_event_over_limit_fraction", "{:.2f}"),
    ("energy duration ∫a²dt/PGA², median ln ratio", "energy_duration_median_ln", "{:+.3f}"),
    ("spectral unevenness 2–25 Hz, median ln ratio", "unevenness_median_ln", "{:+.3f}"),
    ("low-band correlation (median)", "lowband_corr_median", "{:.4f}"),
    ("low-band amplitude ratio (median)", "lowband_amp_ratio_median", "{:.3f}"),
]


def evaluate(real_store, generated, out_dir, *, periods_s=None, freqs_hz=None,
             max_records: int | None = None, seed: int = 0, baseline_kappa: str = "auto",
             progress: bool = True) -> dict:
    """Evaluate `generated` against `real_store` and write the report into `out_dir`.

    real_store: path of (or open) store of real records (m/s²); generated: path of the store the
    `sample` command wrote, or "baseline:lf_only" / "baseline:stochastic"; periods_s: PSA periods
    (s), freqs_hz: FAS frequencies (Hz), defaults from `metrics`; max_records: evaluate only the
    first N matched real records; seed: seed of the stochastic baseline; baseline_kappa: the κ the
    stochastic baseline uses, `stochastic_kappa_s`'s mode ("auto": what the model was given).
    Returns the content of `out_dir/metrics.json` (summary per system, per-record values).
    """
    real = real_store if isinstance(real_store, Store) else open_store(real_store)
    out_dir = Path(out_dir)
    refuse_out_in_store(out_dir, {"--real": real.path, "--generated": generated})
    out_dir.mkdir(parents=True, exist_ok=True)
    periods_s = np.asarray(DEFAULT_PERIODS_S if periods_s is None else periods_s, dtype=np.float64)
    sampling_rate_hz = real.sampling_rate_hz
    if freqs_hz is None:  # the default frequencies the records resolve (below 60 Hz, not up to 30 Hz)
        freqs_hz = fas_frequencies(sampling_rate_hz, real.length)
    freqs_hz = np.asarray(freqs_hz, dtype=np.float64)
    if len(fas_frequencies(sampling_rate_hz, real.length, freqs_hz)) < len(freqs_hz):
        raise UserError(f"FAS frequencies up to {freqs_hz.max():g} Hz asked for, but {real.path} is sampled at "
                        f"{sampling_rate_hz:g} Hz: give frequencies up to its Nyquist frequency")

    gen_store, gen_rows, gen_record = _resolve_generated(generated, real)
    record_index = np.unique(gen_record) if gen_store is not None else np.arange(len(real))
    record_index = record_index[:max_records] if max_records else record_index
    keep = np.isin(gen_record, record_index)
    gen_rows, gen_pos = gen_rows[keep], np.searchsorted(record_index, gen_record[keep])
    n = len(record_index)
    if n == 0:
        raise UserError(f"{real.path}: no records to evaluate")

    baseline = generated.split(":", 1)[1] if gen_store is None else None
    kappa_s, kappa_text = stochastic_kappa_s(real, gen_store, baseline_kappa)
    real_m, systems, waves = _measure(real, record_index, gen_store, gen_rows, gen_pos, baseline,
                                      periods_s, freqs_hz, seed, kappa_s, progress)
    results = {name: _system_summary(real_m, arrays, n, periods_s, freqs_hz)
               for name, arrays in systems.items()}
    draws = one_realization_summary(real_m, systems["model"], n, periods_s, freqs_hz)
    result = {
        "real_store": str(real.path),
        "generated": str(generated),
        "n_records": int(n),
        "n_generated_traces": int(len(systems["model"]["record_pos"])),
        "metrics_version": METRICS_VERSION,
        "n_channels": real.n_channels,
        "sampling_rate_hz": sampling_rate_hz,
        "lowpass_hz": real.lowpass_hz,
        "stochastic_seed": int(seed),
        "stochastic_kappa_s": kappa_text(record_index),
        "headline_period_band_s": list(HEADLINE_PERIOD_BAND_S),
        "headline_freq_band_hz": list(HEADLINE_FREQ_BAND_HZ),
        "psa_horizontal": "RotD50" if horizontal_pair(real) else "per channel",
        **({"scalars_horizontal": HORIZONTAL_SCALARS} if horizontal_pair(real) else {}),
        "period_s": _jsonable(periods_s),
        "freq_hz": _jsonable(freqs_hz),
        "summary": {name: r["summary"] for name, r in results.items()},
        **({"model_one_realization": draws} if draws else {}),
        "records": _record_table(real.record_ids[record_index], real_m, results["model"]),
    }
    result["figures"] = _write_figures(out_dir, result, real_m, results, systems, waves, sampling_rate_hz)
    # metrics.json last: crossval takes it as the evaluation done, so a run stopped before it is evaluated again
    write_text_atomic(out_dir / "report.md", _markdown(result))
    write_text_atomic(out_dir / "metrics.json", json.dumps(result, indent=1, allow_nan=False))
    return result


def refuse_out_in_store(out_dir: Path, named: dict) -> None:
    """UserError (one line) when `out_dir` is a Zarr store's folder or inside one (any folder above it holding a
    zarr.json: e.g. --out real.zarr): metrics.json and the figures would be written into the store.
    named: option → the store it gave (a path, or "baseline:…"), to say which store it is."""
    out = out_dir.resolve()
    stores = [p for p in (out, *out.parents) if (p / "zarr.json").is_file()]
    if not stores:
        return
    store = stores[-1]   # the outermost: a store's arrays hold a zarr.json too
    which = [opt for opt, path in named.items() if not str(path).startswith("baseline:")
             and Path(path).resolve() == store]
    raise UserError(f"--out {out_dir}: is {'the' if out == store else 'inside the'} store {store}"
                    + (f" (the {which[0]} store)" if which else "")
                    + "; metrics.json, report.md and the figures would be written into it: give a folder outside it")


def _measure(real: Store, record_index, gen_store, gen_rows, gen_pos, baseline, periods_s,
             freqs_hz, seed, kappa_s, progress):
    """Metrics of the selected real records (record_index (n,)), of both baselines made from their
    conditioning, and of the generated traces (rows of gen_store → positions gen_pos), block by block.
    Returns (real metrics, {system: metrics + record_pos + envelope/low-band}, waveforms to plot);
    with a `baseline` as the generated system, "model" is that baseline. kappa_s (N,): the stochastic
    baseline's κ per record of `real`, s."""
    sampling_rate_hz, lowpass_hz, n = real.sampling_rate_hz, real.lowpass_hz, len(record_index)
    rng = np.random.default_rng(seed)
    real_acc, waves = _Traces(), {}
    systems = {name: _Traces() for name in BASELINES}
    systems["model"] = systems[baseline] if baseline else _Traces()

    pairs = horizontal_pair(real)
    own = own_lengths(real)
    cut = "n_samples" not in real.columns      # a training store's windows (`consistency`)

    def compute(acc_mps2):
        if pairs:  # as the field reports it: the horizontal pair's (PSA RotD50), the vertical's apart
            return compute_three_component(acc_mps2, sampling_rate_hz, periods_s, freqs_hz)
        return compute_all(acc_mps2, sampling_rate_hz, periods_s, freqs_hz)

    with tqdm(total=n + len(gen_rows), desc="evaluate", unit="rec", disable=None if progress else True) as bar:
        for start in range(0, n, BLOCK_TRACES):
            pos = np.arange(start, min(start + BLOCK_TRACES, n))
            blk = _read_rows(real, record_index[pos])
            bb, cond = blk["broadband"], blk["lowpass"]
            real_acc.add(pos, _judged_pre_event(compute(bb), pre_event_judged(real, record_index[pos], bb)))
            try:
                made = {"lf_only": baselines.lf_only(cond, sampling_rate_hz, lowpass_hz),
                        "stochastic": baselines.stochastic(cond, sampling_rate_hz, lowpass_hz, rng=rng,
                                                           kappa_s=kappa_s[record_index[pos], None],
                                                           filter_order=_filter_order(real))}
            except ValueError as exc:  # records too short for the baseline's level below the crossover
                raise UserError(f"{real.path}: {exc}; evaluate needs longer records (preprocess --length)") from None
            for name, x in made.items():
                systems[name].add(pos, compute(x), bb, x, cond, sampling_rate_hz, lowpass_hz, own[record_index[pos]],
                                  cut)
            if baseline:
                _keep_waveforms(waves, pos, bb, made[baseline])
            bar.update(len(pos))
        for start in range(0, len(gen_rows), BLOCK_TRACES):
            sl = slice(start, start + BLOCK_TRACES)
            gen = _read_rows(gen_store, gen_rows[sl])
            x = gen["broadband"]
            blk = _read_rows(real, record_index[gen_pos[sl]])
            metrics = {**compute(x), "cond_mismatch": conditioning_mismatch(gen["lowpass"], blk["lowpass"])}
            systems["model"].add(gen_pos[sl], metrics, blk["broadband"], x, blk["lowpass"], sampling_rate_hz,
                                 lowpass_hz, own[record_index[gen_pos[sl]]], cut)
            _keep_waveforms(waves, gen_pos[sl], blk["broadband"], x)
            bar.update(len(x))
    return real_acc.arrays(), {name: acc.arrays() for name, acc in systems.items()}, waves


def pre_event_judged(store: Store, rows, real_mps2) -> np.ndarray:
    """(k,) bool: whether the real records `rows` of store (broadband real_mps2 (k, C, L) m/s²) begin with a
    pre-event segment for `metrics.pre_event_level`: their first PRE_EVENT_S seconds lie before the 5 % Arias time
    (over the channels) and their window was cut at the motion's onset (`condition.onset_windows`: of the store's
    window placement version), not where its samples hold the most Arias intensity (`preprocess` windows shorter than
    ONSET_WINDOW_MIN_S since version 2) nor after an earlier window (`_w1`, …): those begin in the motion."""
    x = np.asarray(real_mps2, dtype=np.float64)
    energy = np.cumsum(np.sum(x * x, axis=1), axis=-1)
    quiet = int(round(PRE_EVENT_S * store.sampling_rate_hz))
    with np.errstate(invalid="ignore", divide="ignore"):
        before_onset = energy[:, min(quiet, x.shape[-1]) - 1] < 0.05 * energy[:, -1]
    cut = store.attrs.get("preprocess") if not store.attrs.get("whole_records") else None
    if cut and not onset_windows(store.attrs, cut.get("length", 0), cut.get("sampling_rate_hz", 1.0)):
        return np.zeros(len(x), dtype=bool)               # every window placed by its Arias intensity
    later = np.array([bool(m) and int(m.group(1)) > 0
                      for m in (WINDOW_ID.search(str(store.record_ids[r])) for r in np.asarray(rows))], dtype=bool)
    return before_onset & ~later & (x.shape[-1] >= quiet)


def _judged_pre_event(metrics: dict, judged: np.ndarray) -> dict:
    """metrics with the pre-event levels (`pre_event`, `pre_event_vertical`) NaN where not judged (k,)."""
    for key in ("pre_event", "pre_event_vertical"):
        if key in metrics:
            metrics[key] = np.where(judged.reshape((-1,) + (1,) * (metrics[key].ndim - 1)), metrics[key], np.nan)
    return metrics


def horizontal_pair(store: Store) -> bool:
    """Whether the store's records are three components H1, H2, Z (`preprocess --components 3`)."""
    names = [str(c).split()[0] for c in store.attrs.get("channels", [])]
    return store.n_channels == 3 and names == ["H1", "H2", "Z"]


def own_lengths(store: Store) -> np.ndarray:
    """(N,) int: each record's own number of samples: its `n_samples` in a store of whole records (shorter
    records zero-padded to the longest; an unusable value: the store's length), else the store's length."""
    full = np.full(len(store), store.length, dtype=np.int64)
    if "n_samples" not in store.columns:
        return full
    n = store.column("n_samples").astype(np.int64)
    return np.where((n > 0) & (n <= store.length), n, full)


def consistency(real_mps2, generated_mps2, cond_mps2, sampling_rate_hz, lowpass_hz, n_samples,
                cut_windows: bool = False) -> dict:
    """envelope_corr, lowband_corr and lowband_amp_ratio (k, C) of generated traces (k, C, L) m/s² against
    their real records and conditioning (k, C, L) m/s², each over its record's own n_samples (k,): the
    zeros padding a shorter record of a whole-record store would correlate as well as its motion.
    cut_windows: the records are windows cut from inside records (a store without `n_samples`): the low band
    is compared beyond their edge zones (`preprocess.condition.edge_samples`), where their conditioning is
    their own low-pass (real windows score 1.0000 there; over the whole window as low as 0.84 on NGA-West2,
    0.45 on the strong-motion set)."""
    out = {key: np.empty(np.shape(generated_mps2)[:2]) for key in ("envelope_corr", "lowband_corr",
                                                                   "lowband_amp_ratio")}
    for n in np.unique(n_samples):
        rows = n_samples == n
        g, r, c = (np.asarray(a)[rows, :, :n] for a in (generated_mps2, real_mps2, cond_mps2))
        out["envelope_corr"][rows] = envelope_correlation(g, r, sampling_rate_hz)
        out["lowband_corr"][rows], out["lowband_amp_ratio"][rows] = lowband_consistency(
            g, c, sampling_rate_hz, lowpass_hz, edge_samples(n, sampling_rate_hz, lowpass_hz) if cut_windows else 0)
    return out


class _Traces:
    """Metrics of one system's traces, gathered block by block: arrays (M, C, ...) + record_pos (M,)."""

    def __init__(self):
        self.parts = []

    def add(self, pos, metrics, real=None, generated=None, cond=None, sampling_rate_hz=None, lowpass_hz=None,
            n_samples=None, cut_windows=False):
        part = dict(metrics, record_pos=np.asarray(pos))
        if real is not None:
            part.update(consistency(real, generated, cond, sampling_rate_hz, lowpass_hz, n_samples, cut_windows))
        self.parts.append(part)

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}


def _resolve_generated(generated, real: Store):
    """(generated store, its matched rows (M,), real index (M,) of each row);
    (None, [], []) for a baseline."""
    if isinstance(generated, str) and generated.startswith("baseline:"):
        name = generated.split(":", 1)[1]
        if name not in BASELINES:
            raise UserError(f"--generated {generated}: unknown baseline; use one of "
                            + ", ".join(f"baseline:{b}" for b in BASELINES))
        return None, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    gen = open_store(generated)
    found = (gen.sampling_rate_hz, gen.length, gen.n_channels)
    expected = (real.sampling_rate_hz, real.length, real.n_channels)
    if found != expected:
        raise UserError(f"{gen.path}: (sampling rate Hz, length, channels) = {found} but the real "
                        f"store {real.path} has {expected}; generate from that store")
    index = {rid: i for i, rid in enumerate(real.record_ids.tolist())}
    matched = np.array([_match_id(rid, index) for rid in gen.record_ids.tolist()], dtype=np.int64)
    rows = np.flatnonzero(matched >= 0)
    if rows.size == 0:
        raise UserError(f"{gen.path}: none of its {len(gen)} record ids is in {real.path}; "
                        "evaluate against the store the conditioning came from")
    return gen, rows, matched[rows]


def n_matched_traces(generated, real: Store) -> int:
    """How many traces of the generated store (path) `evaluate` would match to records of `real`."""
    return int(len(_resolve_generated(generated, real)[1]))


def _match_id(record_id: str, index: dict) -> int:
    if record_id in index:
        return index[record_id]
    m = REALIZATION_ID.match(record_id)
    return index.get(m["record"], -1) if m else -1


def _filter_order(store: Store) -> int:
    return int(store.attrs.get("filter", {}).get("order", 4))


def _store_kappa(store: Store) -> np.ndarray:
    """(N,) the store's `kappa_s` column in s (NaN where unknown or absent)."""
    return store.column("kappa_s").astype(np.float64) if "kappa_s" in store.columns else np.full(len(store), np.nan)


BASELINE_KAPPA_MODES = ("auto", "store", "default")


def stochastic_kappa_s(store: Store, generated: Store | None = None, mode: str = "auto"):
    """κ (N,) in s the stochastic baseline uses per record of `store`, and a function of the evaluated
    rows that describes it. The baseline knows κ only when the model did, so that neither sees an
    answer the other does not: a store's `kappa_s` measured on its own broadband (`preprocess
    --measure-kappa`) is the real high frequencies' decay, known to nobody for an unseen event.

    mode "store": the store's kappa_s where known, else DEFAULT_KAPPA_S; "default": DEFAULT_KAPPA_S
    for every record; "auto": what the `generated` store's model was given (its sampling settings):
    the one κ of `sample --kappa-s`; "store" when kappa_s is among the model's metadata fields;
    "default" when it is not; "store" for a baseline evaluated alone or a store that does not say.
    """
    if mode not in BASELINE_KAPPA_MODES:
        raise UserError(f"--baseline-kappa {mode}: use one of {', '.join(BASELINE_KAPPA_MODES)}")
    measured = _store_kappa(store)
    default = baselines.DEFAULT_KAPPA_S
    why = ""
    if mode == "auto":
        sampling = dict(generated.attrs.get("sampling") or {}) if generated is not None else {}
        if sampling.get("kappa_s") is not None:
            given = float(sampling["kappa_s"])
            return (np.full(len(store), given),
                    lambda rows: f"{given} s for every record (the model's `sample --kappa-s`)")
        fields = sampling.get("metadata_fields")
        mode = "store" if fields is None or "kappa_s" in fields else "default"
        why = " (the model was not given κ)"
    if mode == "default":
        return np.full(len(store), default), lambda rows: f"{default} s for every record{why}"
    return (np.where(np.isfinite(measured), measured, default),
            lambda rows: f"the real store's kappa_s for {int(np.isfinite(measured[rows]).sum())} records, "
                         f"{default} s for the others")


def _read_rows(store: Store, rows, fields=("broadband", "lowpass")) -> dict[str, np.ndarray]:
    """Rows (k,) of a store in the given order (any order, repeats allowed), one read per run."""
    unique, inverse = np.unique(np.asarray(rows), return_inverse=True)
    runs = np.split(unique, np.flatnonzero(np.diff(unique) != 1) + 1)
    parts = [store.read(int(r[0]), int(r[-1]) + 1, fields=fields) for r in runs]
    return {f: np.concatenate([p[f] for p in parts])[inverse] for f in fields}


def _keep_waveforms(waves: dict, pos, real_mps2, generated_mps2) -> None:
    """First channel of the first realization of the first N_WAVEFORMS records."""
    for i, p in enumerate(np.asarray(pos).tolist()):
        if p < N_WAVEFORMS and p not in waves:
            waves[p] = (real_mps2[i, 0], generated_mps2[i, 0])


def _channel_mean(values: np.ndarray) -> np.ndarray:
    """Mean over the channel axis (1) leaving NaNs out; NaN where every channel is NaN."""
    finite = np.isfinite(values)
    count = finite.sum(axis=1)
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, np.where(finite, values, 0.0).sum(axis=1) / np.maximum(count, 1),
                        np.nan)


def _per_record(values, pos, n: int, log: bool) -> np.ndarray:
    """Per-record value (n, ...): geometric (log) or arithmetic mean over realizations and channels."""
    values = np.asarray(values, dtype=np.float64)
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(values > 0, np.log(values), np.nan)
    mean = _channel_mean(gof.record_mean(values, pos, n))
    return np.exp(mean) if log else mean


def _scalar_keys(real_m: dict) -> list[tuple[str, bool]]:
    """(metric key, compared in ln) of the scalars: LOG_SCALARS then DURATIONS, each followed by its
    `<key>_vertical` when the metrics have one (three-component stores, `metrics.compute_three_component`)."""
    keys = [*((k, True) for k in LOG_SCALARS), *((k, False) for k in DURATIONS)]
    return [(name, log) for key, log in keys for name in (key, f"{key}_vertical") if name in real_m]


def _band_mean(x, values, band) -> float:
    inside = (x >= band[0]) & (x <= band[1]) & np.isfinite(values)
    return float(values[inside].mean()) if inside.any() else float("nan")


def _system_summary(real_m: dict, gen_m: dict, n: int, periods_s, freqs_hz) -> dict:
    """GOF summary (JSON-ready, units in key names), per-record arrays, and curves for figures."""
    pos = gen_m["record_pos"]
    per_record, curves, summary = {}, {}, {}
    spectra = [("psa", periods_s, HEADLINE_PERIOD_BAND_S), ("fas", freqs_hz, HEADLINE_FREQ_BAND_HZ)]
    spectra += [(f"{key}_vertical", x, band) for key, x, band in spectra if f"{key}_vertical" in real_m]
    for key, x, band in spectra:
        res = _channel_mean(gof.record_residuals(real_m[key], gen_m[key], pos))
        s = curves[key] = gof.summarize(res)
        per_record[f"{key}_residual_ln"] = res
        for stat in ("bias", "sigma", "ci90_lo", "ci90_hi"):
            summary[f"{key}_{stat}_ln"] = _jsonable(s[stat])
        summary[f"{key}_n_records"] = [int(v) for v in s["n"]]
        summary[f"{key}_band_bias_ln"] = _scalar(_band_mean(x, s["bias"], band))
        summary[f"{key}_band_abs_bias_ln"] = _scalar(_band_mean(x, np.abs(s["bias"]), band))
        summary[f"{key}_band_sigma_ln"] = _scalar(_band_mean(x, s["sigma"], band))
    for key, log in _scalar_keys(real_m):
        res = _channel_mean(gof.record_residuals(real_m[key], gen_m[key], pos, log=log))
        s = gof.summarize(res)
        names = ({"bias": "bias_ln", "sigma": "sigma_ln", "ci90_lo": "ci90_lo_ln",
                  "ci90_hi": "ci90_hi_ln"} if log else
                 {"bias": "diff_s", "sigma": "sigma_s", "ci90_lo": "ci90_lo_s", "ci90_hi": "ci90_hi_s"})
        summary.update({f"{key}_{v}": _scalar(s[k]) for k, v in names.items()})
        summary[f"{key}_n_records"] = int(s["n"])
        median = float(np.nanmedian(res)) if np.isfinite(res).any() else float("nan")
        summary[f"{key}_median_ln" if log else f"{key}_median_diff_s"] = _scalar(median)
        per_record[f"{key}_generated"] = _per_record(gen_m[key], pos, n, log)
    scores = {}
    for key in ANDERSON_METRICS:
        score = gof.anderson_score(real_m[key][pos], gen_m[key])
        scores[key] = float(np.nanmean(_channel_mean(gof.record_mean(score, pos, n))))
        summary[f"anderson_{key}_score"] = _scalar(scores[key])
    summary["anderson_mean_score"] = _scalar(np.mean(list(scores.values())))
    for key in ("envelope_corr", "lowband_corr", "lowband_amp_ratio"):
        per_record[key] = _channel_mean(gof.record_mean(gen_m[key], pos, n))
        summary[f"{key}_mean"] = _scalar(np.nanmean(per_record[key]))
        summary[f"{key}_median"] = _scalar(np.nanmedian(per_record[key]))
    summary.update(_pre_event_summary(real_m, gen_m, n, per_record))
    summary["dead_traces"] = dead_traces(gen_m)
    summary["conditioning_mismatch_traces"] = int(np.sum(gen_m.get("cond_mismatch", 0)))
    per_record["n_realizations"] = np.bincount(pos, minlength=n)
    return {"summary": summary, "per_record": per_record, "curves": curves}


COND_MISMATCH_TOL = 1e-3   # relative L2 difference between the conditioning a trace was made from and the real's


def conditioning_mismatch(gen_lowpass, real_lowpass) -> np.ndarray:
    """(k,) bool: the generated store's conditioning (its `lowpass`, what `sample` generated from) differs from
    the matched real record's by more than COND_MISMATCH_TOL (relative L2): made from other records, or from a
    store preprocessed otherwise, so the comparison means little."""
    g, r = (np.asarray(a, np.float64).reshape(len(a), -1) for a in (gen_lowpass, real_lowpass))
    norm = np.linalg.norm(r, axis=1)
    return np.linalg.norm(g - r, axis=1) > COND_MISMATCH_TOL * np.where(norm > 0, norm, 1.0)


def dead_traces(gen_m: dict) -> int:
    """Generated traces (rows) with a channel all zero or not finite: their residuals are not finite
    and leave every score (which then rests on fewer records, `<metric>_n_records`)."""
    peaks = [np.asarray(gen_m[key], dtype=np.float64) for key in ("pga", "pga_vertical") if key in gen_m]
    dead = [~(np.isfinite(p) & (p > 0)) for p in peaks]
    if not dead[0].ndim:
        return int(dead[0])
    return int(np.any([d.reshape(len(d), -1).any(axis=1) for d in dead], axis=0).sum())


def warnings_of(result: dict) -> list[str]:
    """One line per system whose generated traces include dead ones (all zero or not finite), and one when
    the generated traces were made from another conditioning than the real store's."""
    lines = [f"{name}: {k} of its generated traces are all zero or not finite and are left out of every "
             f"score (metrics.json gives the records each score rests on, <metric>_n_records)"
             for name, summary in result["summary"].items() if (k := summary.get("dead_traces", 0))]
    if k := result["summary"]["model"].get("conditioning_mismatch_traces", 0):
        lines.append(f"model: {k} generated traces were made from another conditioning than their real record's "
                     "(the generated store's lowpass differs): generate from this --real store, or the scores "
                     "compare unrelated records")
    return lines


def _pre_event_summary(real_m: dict, gen_m: dict, n: int, per_record: dict) -> dict:
    """Pre-event ratio per record (generated / real `pre_event_level`, geometric mean over
    realizations and channels) into per_record; its median, geometric mean and the fraction of
    records above PRE_EVENT_LIMIT (of those where both levels are defined) as summary entries."""
    pos = gen_m["record_pos"]
    res = _channel_mean(gof.record_residuals(real_m["pre_event"], gen_m["pre_event"], pos))
    ratio = per_record["pre_event_ratio"] = np.exp(-res)  # residuals are ln(real/generated)
    per_record["pre_event_generated"] = _per_record(gen_m["pre_event"], pos, n, log=True)
    finite = ratio[np.isfinite(ratio)]
    if finite.size == 0:
        return {"pre_event_ratio_median": None, "pre_event_ratio_geomean": None,
                "pre_event_over_limit_fraction": None, "pre_event_n_records": 0}
    return {"pre_event_ratio_median": _scalar(np.median(finite)),
            "pre_event_ratio_geomean": _scalar(np.exp(np.mean(np.log(finite)))),
            "pre_event_over_limit_fraction": _scalar(np.mean(finite > PRE_EVENT_LIMIT)),
            "pre_event_n_records": int(finite.size)}


def draw_index(record_pos: np.ndarray) -> np.ndarray:
    """(M,) k for the k-th trace of its record (in store order: its k-th realization)."""
    record_pos = np.asarray(record_pos)
    order = np.argsort(record_pos, kind="stable")
    ranked = record_pos[order]
    k = np.empty(len(record_pos), dtype=np.int64)
    k[order] = np.arange(len(ranked)) - np.searchsorted(ranked, ranked)
    return k


def one_realization_summary(real_m: dict, gen_m: dict, n: int, periods_s, freqs_hz) -> dict | None:
    """The summary as one realization per record would give it, for each of the R draws that cover
    every record (draw r = each record's r-th realization), and its mean, sd, min and max over the
    draws: the goals are stated for one realization, whose statistics over a few records move with
    the sampling noise. None with fewer than two realizations of some record."""
    draw = draw_index(gen_m["record_pos"])
    n_draws = int(np.bincount(gen_m["record_pos"], minlength=n).min())
    if n_draws < 2:
        return None
    summaries = [_system_summary(real_m, {k: v[draw == r] for k, v in gen_m.items()}, n, periods_s,
                                 freqs_hz)["summary"] for r in range(n_draws)]
    keys = [k for k, v in summaries[0].items() if not isinstance(v, list)]
    values = {k: np.array([np.nan if s[k] is None else s[k] for s in summaries]) for k in keys}
    with np.errstate(invalid="ignore"):
        stats = {"mean": np.nanmean, "sd": lambda v: np.nanstd(v, ddof=1), "min": np.nanmin,
                 "max": np.nanmax}
        out = {"n_draws": n_draws}
        for name, f in stats.items():
            out[name] = {k: _scalar(f(v)) if np.isfinite(v).any() else None for k, v in values.items()}
    return out


def _record_table(record_ids, real_m: dict, model: dict) -> list[dict]:
    """Per-record values of the real record and the model (geometric means for positive metrics)."""
    n = len(record_ids)
    pos = np.arange(n)
    pr = model["per_record"]
    columns = {}
    for key, log in _scalar_keys(real_m):
        unit = LOG_SCALARS.get(key.removesuffix("_vertical"), "s")
        columns[f"{key}_real_{unit}"] = _per_record(real_m[key], pos, n, log)
        columns[f"{key}_generated_{unit}"] = pr[f"{key}_generated"]
    for key in ("envelope_corr", "lowband_corr", "lowband_amp_ratio"):
        columns[key] = pr[key]
    columns["pre_event_real"] = _per_record(real_m["pre_event"], pos, n, log=True)
    columns["pre_event_generated"] = pr["pre_event_generated"]
    columns["pre_event_ratio"] = pr["pre_event_ratio"]
    rows = []
    for i, rid in enumerate(record_ids.tolist()):
        row = {"record_id": rid, "n_realizations": int(pr["n_realizations"][i])}
        row.update({k: _scalar(v[i]) for k, v in columns.items()})
        for key in ("psa", "fas", "psa_vertical", "fas_vertical"):
            if f"{key}_residual_ln" in pr:
                row[f"{key}_residual_ln"] = _jsonable(pr[f"{key}_residual_ln"][i])
        rows.append(row)
    return rows


def record_spectra(real_m: dict, traces: dict, records: list[dict], k: int) -> list[dict]:
    """PSA and FAS (channel 0: a one-channel store's trace, a three-component store's horizontals: RotD50
    PSA and the horizontals' FAS, `metrics.compute_three_component`) of the first k real records, of every
    model realization of each and of its stochastic baseline, for `figures.record_spectra`. real_m: real metrics (n, C, ...);
    traces: system → metrics of its traces (M, C, ...) with record_pos (M,); records: result rows."""
    out = []
    for p in range(k):
        rec = {"record_id": records[p]["record_id"]}
        rec.update({f"real_{key}": real_m[key][p, 0] for key in ("psa", "fas")})
        for name in ("model", "stochastic"):
            mine = traces[name]["record_pos"] == p
            for key in ("psa", "fas"):
                runs = traces[name][key][mine, 0]
                rec[f"{name}_{key}"] = runs if name == "model" else runs[0]
        out.append(rec)
    return out


def _write_figures(out_dir: Path, result: dict, real_m: dict, results: dict, traces: dict,
                   waves: dict, sampling_rate_hz: float) -> list[str]:
    crossover = result["lowpass_hz"]
    order = [*BASELINES, "model"]  # the model drawn last, on top
    names = []
    curves = {k: {name: results[name]["curves"][k] for name in order} for k in ("psa", "fas")}
    figures.psa_bias(out_dir / "psa_bias.png", np.array(result["period_s"]), curves["psa"],
                     HEADLINE_PERIOD_BAND_S, crossover)
    figures.fas_ratio(out_dir / "fas_ratio.png", np.array(result["freq_hz"]), curves["fas"],
                      HEADLINE_FREQ_BAND_HZ, crossover)
    names += ["psa_bias.png", "fas_ratio.png"]
    n = result["n_records"]
    pos = np.arange(n)
    three = result["psa_horizontal"] == "RotD50"   # three-component: the horizontals' (metrics.compute_three_component)
    horizontals = ", horizontals' geometric mean" if three else ""
    for key, label, unit in (("pga", "PGA", "m/s²"), ("arias", "Arias intensity", "m/s")):
        real_values = _per_record(real_m[key], pos, n, log=True)
        gen = {name: results[name]["per_record"][f"{key}_generated"] for name in ("stochastic", "model")}
        figures.scatter(out_dir / f"{key}_scatter.png", real_values, gen, label + horizontals, unit)
        names.append(f"{key}_scatter.png")
    shown = min(N_WAVEFORMS, n)
    figures.record_spectra(out_dir / "spectra.png", np.array(result["period_s"]), np.array(result["freq_hz"]),
                           record_spectra(real_m, traces, result["records"], shown), crossover,
                           titles=("RotD50 PSA", "FAS" + horizontals) if three else ("PSA", "FAS"))
    names.append("spectra.png")
    figures.duration_histogram(out_dir / "d5_95_hist.png", _per_record(real_m["d5_95"], pos, n, False),
                               {name: results[name]["per_record"]["d5_95_generated"] for name in order})
    names.append("d5_95_hist.png")
    if waves:
        keys = sorted(waves)
        real_w = np.stack([waves[k][0] for k in keys]).astype(np.float64)
        gen_w = np.stack([waves[k][1] for k in keys]).astype(np.float64)
        figures.waveforms(out_dir / "waveforms.png", real_w, gen_w, envelope(real_w, sampling_rate_hz),
                          envelope(gen_w, sampling_rate_hz), sampling_rate_hz, [result["records"][k]["record_id"] for k in keys])
        names.append("waveforms.png")
    return names


def table_rows(result: dict) -> list[tuple[str, list[str]]]:
    """(label, [model, lf_only, stochastic] formatted values) for the summary table."""
    rows = []
    for label, key, fmt in TABLE_ROWS:
        if "_vertical" in key and key not in result["summary"]["model"]:
            continue  # a one-channel store: no vertical apart
        values = [result["summary"][name].get(key) for name in ("model", *BASELINES)]
        rows.append((label, [_fmt(fmt, v) for v in values]))
    return rows


def draw_rows(result: dict) -> list[tuple[str, str]]:
    """(label, "mean ± sd (min … max)") of the summary table's metrics over one-realization draws;
    [] when there are none."""
    draws = result.get("model_one_realization")
    if not draws:
        return []
    rows = []
    for label, key, fmt in TABLE_ROWS:
        m, sd, lo, hi = (draws[s].get(key) for s in ("mean", "sd", "min", "max"))
        if m is not None:
            rows.append((label, f"{_fmt(fmt, m)} ± {_fmt(fmt.replace('+', ''), sd)} "
                                f"({_fmt(fmt, lo)} … {_fmt(fmt, hi)})"))
    return rows


def _fmt(fmt: str, value) -> str:
    return "—" if value is None else fmt.format(value)


def _markdown(result: dict) -> str:
    lines = [
        "# seisdiff evaluation",
        "",
        f"- real: `{result['real_store']}`; generated: `{result['generated']}`",
        f"- {result['n_records']} records, {result['n_generated_traces']} generated traces, "
        f"{result['n_channels']} channel(s), {result['sampling_rate_hz']:g} Hz, "
        f"crossover {result['lowpass_hz']:g} Hz",
        "- residuals ln(real/generated), averaged over realizations then channels per record; "
        "positive bias = generated too weak; baselines computed from the real conditioning"
        + ("; three-component records: PSA is RotD50 of the horizontal pair, FAS and the scalars the "
           "horizontals' geometric mean (durations: their mean), the vertical reported apart (rows 'vertical')"
           if result.get("psa_horizontal") == "RotD50" else ""),
        "- energy duration (∫a²dt / PGA², s) and spectral unevenness (sd of the ln Fourier amplitude in 16 "
        "log-spaced bins over 2–25 Hz about its straight line in ln f): positive = generated peakier, smoother",
        f"- stochastic baseline κ: {result['stochastic_kappa_s']}",
        "",
        "| metric | model | lf_only | stochastic |",
        "|---|---:|---:|---:|",
    ]
    lines[4:4] = [f"- **warning** — {line}" for line in warnings_of(result)]
    lines += [f"| {label} | " + " | ".join(values) + " |" for label, values in table_rows(result)]
    if rows := draw_rows(result):
        lines += ["", f"One realization per record, over {result['model_one_realization']['n_draws']} "
                  "draws (draw r = every record's r-th realization): mean ± sd (min … max). The table "
                  "above averages each record's residuals over its realizations first.", "",
                  "| metric | model, one realization |", "|---|---:|"]
        lines += [f"| {label} | {value} |" for label, value in rows]
    lines += ["", "Full-band curves and per-record values: `metrics.json`.", ""]
    lines += [f"![{name}]({name})" for name in result["figures"]]
    return "\n".join(lines) + "\n"


def _scalar(v):
    v = float(v)
    return float(f"{v:.6g}") if np.isfinite(v) else None


def _jsonable(values) -> list:
    return [_scalar(v) for v in np.asarray(values).ravel()]
