"""Numeric conditioning of records into fixed-length windows, in m/s² throughout.

Per record group (1 trace, or 3 components of one station and event at one sampling rate):
  demean + linear detrend → cosine taper (5 % each end) → resample to the target rate (polyphase
  FIR anti-alias) → choose windows around the strong-motion phase (`window_starts`: a window of at least
  ONSET_WINDOW_MIN_S starts `pre_event_s` before 5 % of the Arias intensity summed over components, a shorter
  one where its L samples hold the most Arias intensity; window k starts k·L later) → cut each window with a
  margin of `margin_s` on both sides (zeros beyond the record) → zero-phase Butterworth band-pass,
  batched over all windows → zero-phase Butterworth low-pass of the band-passed segment → drop the
  margins of both.
The low band is filtered with the window's margins, like the broadband: a window cut from inside a record
starts on the record's motion, and `dsp.lowpass` of the cut window alone (odd reflection about its first
sample, as sosfiltfilt pads) pins the low band's first and last samples to the broadband's value there,
high frequencies included: a spurious edge peak up to 4.7× the window's true low-band peak on NGA-West2
records. So the stored `lowpass` is `dsp.lowpass` of the band-passed record, cut like the broadband; it
equals `dsp.lowpass(stored broadband)` (invariant 4) beyond EDGE_CYCLES periods of the crossover from the
window's ends, to EDGE_TOLERANCE of its peak. Whole records (`preprocess.whole`) keep the low-pass of the
stored broadband (`lowpass_of_stored`): their ends are the record's tapered ends. Every step is linear in
amplitude except the window choice, which depends only on the shape of the Husid curve (invariant 3).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

from seisdiff import dsp
from seisdiff.dsp.baseline import cosine_taper, detrend
from seisdiff.dsp.resample import resample
from seisdiff.io.readings import STORE_READING_ATTR


@dataclass
class PreprocessConfig:
    sampling_rate_hz: float = 100.0     # target rate, Hz
    length: int = 4096                  # window length L, samples
    lowpass_hz: float = 1.0             # crossover of the conditioning low-pass, Hz
    band_hz: tuple = (0.1, 30.0)        # broadband band-pass corners, Hz
    filter_order: int = 4               # Butterworth design order (zero-phase doubles it)
    windows: int = 1                    # windows cut per record (later ones only if they hold motion)
    pre_event_s: float = 3.0            # window start before the 5 % Arias time, s (windows of at least
                                        # ONSET_WINDOW_MIN_S; shorter ones: the strongest, `window_starts`)
    taper_fraction: float = 0.05        # cosine taper at each end of the raw record
    margin_s: float = 30.0              # filter margin each side of a window, s (error < 3e-4 of PGA)
    min_window_arias_fraction: float = 0.02  # a window k > 0 must hold this share of the Arias intensity
    min_duration_s: float = 10.0        # shorter records are refused
    measure_kappa: bool = False         # fill unknown `kappa_s` with κ measured on the broadband window
                                        # (dsp.kappa; for training stores, whose records hold real HF)

    def as_attrs(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


WINDOW_ID = re.compile(r"_w(\d+)$")   # a window's record id: <recording>_w<k>, k = 0 the strong motion's


def window_record_id(recording_id: str, k: int) -> str:
    """The record id of window k of a recording (`WINDOW_ID`)."""
    return f"{recording_id}_w{k}"


def split_window_id(record_id) -> tuple[str, int | None]:
    """(the recording's id, the window's k) of a record id; (the id, None) for a whole record (no `_w<k>`)."""
    m = WINDOW_ID.search(str(record_id))
    return (str(record_id), None) if m is None else (str(record_id)[:m.start()], int(m.group(1)))


def prepare_group(acc_mps2: np.ndarray, sampling_rate_hz: float, cfg: PreprocessConfig) -> np.ndarray:
    """(C, n) raw acceleration in m/s² at sampling_rate_hz → (W, C, L + 2·margin) float64 segments, m/s²."""
    x = clean_and_resample(acc_mps2, sampling_rate_hz, cfg)
    starts = window_starts(x, cfg)
    margin = int(round(cfg.margin_s * cfg.sampling_rate_hz))
    n_seg = cfg.length + 2 * margin
    out = np.zeros((len(starts), x.shape[0], n_seg))
    for w, start in enumerate(starts):
        lo, hi = start - margin, start - margin + n_seg
        src_lo, src_hi = max(lo, 0), min(hi, x.shape[1])
        if src_hi > src_lo:
            out[w, :, src_lo - lo:src_hi - lo] = x[:, src_lo:src_hi]
    return out


def clean_and_resample(acc_mps2: np.ndarray, sampling_rate_hz: float, cfg: PreprocessConfig) -> np.ndarray:
    """(C, n) raw m/s² at sampling_rate_hz → demeaned, linearly detrended, cosine-tapered and resampled to
    cfg.sampling_rate_hz (float64 m/s²): the first steps of both the training windows and whole records."""
    x = cosine_taper(detrend(np.asarray(acc_mps2, dtype=np.float64)), cfg.taper_fraction)
    if abs(sampling_rate_hz - cfg.sampling_rate_hz) > 1e-9 * cfg.sampling_rate_hz:
        x = resample(x, sampling_rate_hz, cfg.sampling_rate_hz)
    return x


# A window of at least ONSET_WINDOW_MIN_S (the default 4096 samples at 100 Hz: 40.96 s) starts `pre_event_s` before the
# 5 % Arias time and holds the strong motion from its onset. A shorter one started there ended before the shaking
# (its 3 s lead alone outlasts --length 256's 2.56 s): at --length 256 it held a median 2.2 % of a trace's Arias intensity and
# 33 % of its PGA, the PGA itself in none of the 393 traces of NGA-West2 and the 15-format set, and verify judged the
# set's K-NET and CWB records at 128 a unit slip (e^-1.79 of BSSA14's PGA; -0.12 at 4096). A shorter window lies where
# its L samples hold the most Arias intensity: at 256 a median 26 %, the PGA itself in 81 % (K-NET and CWB at 128:
# BSSA14 -0.15). The onset window misses the PGA in 16 % of traces at 20.48 s (the strongest in 1 %), in 3 % at 40.96 s
# (long records; the strongest in 1 %): the default keeps its onset windows and its stores.
ONSET_WINDOW_MIN_S = 40.0
# How `first_window_start` places a window shorter than ONSET_WINDOW_MIN_S, versioned (bump it, and add its line, when
# it places one otherwise): each version's placement. Windows of at least ONSET_WINDOW_MIN_S start `pre_event_s`
# before the 5 % Arias time in every version. A training store records the version (STORE_PLACEMENT_ATTR) where
# `preprocess` makes it; appending to one of another version, where its windows are that short, says so in one line
# (`preprocess.run`; stored records are not rewritten).
SHORT_WINDOW_PLACEMENTS = {1: "started pre_event_s before the 5 % Arias time, as longer windows (ending before the "
                              "shaking where shorter than that lead)",
                           2: "placed where their samples hold the most Arias intensity"}
WINDOW_PLACEMENT_VERSION = max(SHORT_WINDOW_PLACEMENTS)
STORE_PLACEMENT_ATTR = "window_placement"


def placement_matters(length: int, sampling_rate_hz: float) -> bool:
    """Whether windows of `length` samples at sampling_rate_hz lie otherwise under another version of the window
    placement (SHORT_WINDOW_PLACEMENTS): only those shorter than ONSET_WINDOW_MIN_S."""
    return length / sampling_rate_hz < ONSET_WINDOW_MIN_S


def placement_version(attrs: dict) -> int:
    """The version of SHORT_WINDOW_PLACEMENTS a training store's windows were placed with, from its attributes: its
    STORE_PLACEMENT_ATTR; a store without it was made with version 2 where it records its component reading (stores
    first recorded that, 0f3fb1d, after windows were placed by version 2, 33bd8b5), else before stores recorded
    either: taken as version 1."""
    return attrs.get(STORE_PLACEMENT_ATTR, 2 if STORE_READING_ATTR in attrs else 1)


def onset_windows(attrs: dict, length: int, sampling_rate_hz: float) -> bool:
    """Whether a training store's first windows (`length` samples at sampling_rate_hz; its attributes `attrs`) start
    `pre_event_s` before the 5 % Arias time: those of at least ONSET_WINDOW_MIN_S in every version, shorter ones
    where version 1 placed them (`placement_version`); version 2 places those where they hold the most Arias intensity."""
    return not placement_matters(length, sampling_rate_hz) or placement_version(attrs) == 1


def window_starts(x: np.ndarray, cfg: PreprocessConfig) -> list[int]:
    """Start samples of the windows of a (C, n) record at the target rate: the first by `first_window_start`, window k
    k·L later while it holds at least `min_window_arias_fraction` of the Arias intensity."""
    energy = np.cumsum(np.sum(x * x, axis=0))
    husid = energy / energy[-1]
    start0 = first_window_start(husid, cfg)
    starts = [start0]
    for k in range(1, cfg.windows):
        start = start0 + k * cfg.length
        if start >= x.shape[1]:
            break
        share = _husid_at(husid, start + cfg.length) - _husid_at(husid, start)
        if share < cfg.min_window_arias_fraction:
            break
        starts.append(start)
    return starts


def first_window_start(husid: np.ndarray, cfg: PreprocessConfig) -> int:
    """Start sample of a record's first window from its (n,) Husid curve (cumulative energy, 1 at the end): a window
    of at least ONSET_WINDOW_MIN_S starts `pre_event_s` before the 5 % Arias time (maybe before the record: zeros),
    a shorter one where its `length` samples hold the most Arias intensity (the first such; 0 for a shorter record).
    Both depend only on the curve's shape (invariant 3)."""
    if not placement_matters(cfg.length, cfg.sampling_rate_hz):
        return int(np.searchsorted(husid, 0.05)) - int(round(cfg.pre_event_s * cfg.sampling_rate_hz))
    if len(husid) <= cfg.length:
        return 0
    held = husid[cfg.length - 1:] - np.concatenate(([0.0], husid[:-cfg.length]))
    return int(np.argmax(held))


def _husid_at(husid: np.ndarray, i: int) -> float:
    return 0.0 if i <= 0 else float(husid[min(i, len(husid)) - 1])


def filter_segments(segments: np.ndarray, cfg: PreprocessConfig) -> tuple[np.ndarray, np.ndarray]:
    """(N, C, L + 2·margin) segments, m/s² → (broadband, lowpass), each (N, C, L) float32 m/s²: both filtered
    with the margins, then cut (module docstring)."""
    band = _band(segments, cfg)
    low = dsp.lowpass(band, cfg.sampling_rate_hz, cfg.lowpass_hz, cfg.filter_order)
    return _cut(band, cfg.length), _cut(low, cfg.length)


def broadband_of_segments(segments: np.ndarray, cfg: PreprocessConfig) -> np.ndarray:
    """(N, C, L + 2·margin) segments, m/s² → broadband (N, C, L) float32 m/s² (band-passed with the margins)."""
    return _cut(_band(segments, cfg), cfg.length)


def _band(segments: np.ndarray, cfg: PreprocessConfig) -> np.ndarray:
    return dsp.bandpass(segments, cfg.sampling_rate_hz, cfg.band_hz[0], cfg.band_hz[1], cfg.filter_order)


def _cut(x: np.ndarray, length: int) -> np.ndarray:
    """The middle `length` samples of (…, length + 2·margin) x, as float32."""
    margin = (x.shape[-1] - length) // 2
    return np.ascontiguousarray(x[..., margin:margin + length]).astype(np.float32)


# The stored window's low band (filtered with the margins) equals dsp.lowpass(stored broadband) beyond
# EDGE_CYCLES periods of the crossover from the window's ends, to EDGE_TOLERANCE of its peak (measured at most
# 1.2e-5 on the 60 NGA-West2 windows, 2.4e-5 on the 327 strong-motion windows of 15 formats; beyond 3 cycles
# 9e-4 on NGA-West2; the zero-phase order-4 low-pass's impulse response falls below 1 % of its peak 1.8 cycles out).
EDGE_CYCLES = 5.0
EDGE_TOLERANCE = 1e-4


def edge_samples(length: int, sampling_rate_hz: float, lowpass_hz: float) -> int:
    """Samples at each end of a stored window of `length` within EDGE_CYCLES periods of the crossover, where its
    low band is the record's, not dsp.lowpass of the window alone; at most a quarter of the window."""
    return min(int(EDGE_CYCLES / lowpass_hz * sampling_rate_hz), int(length) // 4)


def lowpass_of_stored(broadband: np.ndarray, cfg: PreprocessConfig) -> np.ndarray:
    """The documented conditioning filter applied to float32 broadband as stored → float32 m/s²."""
    lp = dsp.lowpass(broadband.astype(np.float64), cfg.sampling_rate_hz, cfg.lowpass_hz, cfg.filter_order)
    return lp.astype(np.float32)


def condition_group(acc_mps2: np.ndarray, sampling_rate_hz: float, cfg: PreprocessConfig):
    """(C, n) raw m/s² → (broadband, lowpass) (W, C, L) float32 m/s² for one record group."""
    return filter_segments(prepare_group(acc_mps2, sampling_rate_hz, cfg), cfg)
