"""The one conversion between physical units (m/s²) and model units, and back.

Every other module works either in physical units (the store, exports, evaluation) or in model units
(the network, the diffusion), never both. The conversion, for one record, is

    scale_mps2 = max(reference(lowpass_mps2), eps) · global_factor
    x_model    = broadband_mps2 / scale_mps2        cond_model = lowpass_mps2 / scale_mps2
    log_scale  = ln(scale_mps2)                     (float64, one per record)
    broadband_mps2 = x_model · exp(log_scale)       (the exact inverse, up to float32 rounding)

The scale comes from the conditioning only, so it is known at inference. Its amplitude reference is
one of
- "spectral" (opt-in: `scale_reference = "spectral"` in a training config): the conditioning's
  Fourier level just below the crossover, corrected for the low-pass filter (`dsp.level`, in m/s;
  geometric mean over channels). Under an ω² source the broadband level above the crossover
  continues it, so broadband/scale should differ less between events than with the peak.
- "peak" (the default, and the shipped model's): max |lowpass| over channels and time, m/s².
The two were compared on real records in docs/MEASUREMENTS.md ("Scale reference").

`global_factor` is the median over training records of std(broadband) / reference, computed on the
raw store before training (`fit_scaling`) and saved in the checkpoint, so that model-space broadband has about unit
standard deviation — the same scale as the diffusion noise. Because x_model ignores the absolute
amplitude (`to_model(k·b, k·l)` is the same for every k > 0), ln(scale) is given to the network as a
conditioning scalar, standardised with the mean and std of the training records' log scales.

The component is one of them ("vertical", ±1, from the store's `component` column: `metadata_columns`):
vertical high frequencies differ from horizontal ones (V/H ratios), so a model trained with it knows
which it generates. Metadata enters as further scalars on fixed reference scales (METADATA_FEATURES); NaN means unknown
and is masked inside the model. A Scaler names the fields its model was trained with (`metadata`):
magnitude, distance and Vs30 by default, and the high-frequency decay κ (`kappa_s`, s) when a training
config lists it in `[data] metadata_fields`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass

import numpy as np
import torch

from seisdiff.dsp.level import record_level
from seisdiff.io.components import vertical_flag  # noqa: F401 (re-exported: its home was here)

EPS_MPS2 = 1e-8  # floor on the reference: an all-zero conditioning must not divide by zero
REFERENCES = ("peak", "spectral")
DEFAULT_METADATA = ("magnitude", "distance_km", "vs30_mps")
# field → (log10 first?, centre, spread): the scalar is (value or log10 value − centre) / spread
METADATA_FEATURES = {
    "magnitude": (False, 6.0, 1.0),                   # moment magnitude about M6
    "distance_km": (True, 1.5, 0.5),                  # ~30 km, ±0.5 decade
    "vs30_mps": (True, float(np.log10(500.0)), 0.2),  # ~500 m/s
    "kappa_s": (False, 0.04, 0.02),                   # high-frequency decay κ (dsp.kappa), s
    "vertical": (False, 0.5, 0.5),                    # 1 vertical, 0 horizontal (from `component`): ±1
}
ALWAYS_KNOWN = ("vertical",)  # read from the data itself, never hidden by metadata dropout


def count_scalars(metadata_fields) -> int:
    """Conditioning scalars per record: ln(scale) and the metadata fields."""
    return 1 + len(metadata_fields)


@dataclass(frozen=True)
class Scaler:
    """Scaling statistics of a training store (saved in checkpoints as a plain dict)."""

    global_factor: float = 1.0   # median std(broadband)/max|lowpass| over training records
    log_scale_mean: float = 0.0  # mean of ln(scale_mps2) over training records
    log_scale_std: float = 1.0   # std of ln(scale_mps2) over training records (> 0)
    eps_mps2: float = EPS_MPS2   # floor on the reference (m/s² for "peak", m/s for "spectral")
    reference: str = "peak"      # amplitude reference: "peak" | "spectral" (see the module text)
    sampling_rate_hz: float = 100.0  # of the records ("spectral" only)
    lowpass_hz: float = 1.0          # crossover of the conditioning's filter ("spectral" only)
    filter_order: int = 4            # its Butterworth order, run forward and back ("spectral" only)
    metadata: tuple = DEFAULT_METADATA  # conditioning fields after ln(scale), in order (METADATA_FEATURES)

    def __post_init__(self):
        if self.reference not in REFERENCES:
            raise ValueError(f"scaling reference {self.reference!r} is unknown; use one of {REFERENCES}")
        unknown = [m for m in self.metadata if m not in METADATA_FEATURES]
        if unknown:
            raise ValueError(f"metadata field(s) {unknown} unknown; use some of {list(METADATA_FEATURES)}")
        object.__setattr__(self, "metadata", tuple(self.metadata))

    @property
    def n_scalars(self) -> int:
        return count_scalars(self.metadata)

    def to_dict(self) -> dict:
        return {k: v if isinstance(v, str) else list(v) if isinstance(v, tuple) else float(v)
                for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> "Scaler":
        """From `to_dict` output (a checkpoint's "scaling"; older layouts are migrated by
        `engine.checkpoint.migrate`)."""
        return cls(global_factor=float(d["global_factor"]), log_scale_mean=float(d["log_scale_mean"]),
                   log_scale_std=float(d["log_scale_std"]), eps_mps2=float(d["eps_mps2"]),
                   reference=str(d["reference"]), sampling_rate_hz=float(d["sampling_rate_hz"]),
                   lowpass_hz=float(d["lowpass_hz"]), filter_order=int(d["filter_order"]),
                   metadata=tuple(str(m) for m in d["metadata"]))

    def reference_level(self, lowpass_mps2) -> np.ndarray:
        """The amplitude reference (...) float64 of lowpass (..., C, L) m/s² (NumPy), floored at eps."""
        x = np.asarray(lowpass_mps2)
        if self.reference == "peak":
            level = np.abs(x).max(axis=(-2, -1)).astype(np.float64)
        else:
            level = record_level(x, self.sampling_rate_hz, self.lowpass_hz, self.filter_order, per_record_axes=2)
        return np.maximum(level, self.eps_mps2)

    def log_scale(self, lowpass_mps2):
        """ln(scale_mps2) for lowpass (..., C, L) in m/s² (NumPy or torch) → (...) float64."""
        if isinstance(lowpass_mps2, torch.Tensor):
            level = self.reference_level(lowpass_mps2.detach().cpu().numpy())
            return torch.from_numpy(np.log(level) + np.log(self.global_factor)).to(lowpass_mps2.device)
        return np.log(self.reference_level(lowpass_mps2)) + np.log(self.global_factor)

    def to_model(self, broadband_mps2, lowpass_mps2):
        """(broadband, lowpass) (..., C, L) m/s² → (x_model, cond_model, log_scale (...) float64)."""
        log_scale = self.log_scale(lowpass_mps2)
        return _divide(broadband_mps2, log_scale), _divide(lowpass_mps2, log_scale), log_scale

    def cond_to_model(self, lowpass_mps2):
        """lowpass (..., C, L) m/s² → (cond_model, log_scale (...) float64), as `to_model` would."""
        log_scale = self.log_scale(lowpass_mps2)
        return _divide(lowpass_mps2, log_scale), log_scale

    def to_physical(self, x_model, log_scale):
        """x_model (..., C, L) model units, log_scale (...) from `to_model` → m/s², same dtype as x_model."""
        if isinstance(x_model, torch.Tensor):
            scale = torch.exp(torch.as_tensor(log_scale, dtype=torch.float64, device=x_model.device))
            return (x_model.double() * scale[..., None, None]).to(x_model.dtype)
        x = np.asarray(x_model)
        return (x.astype(np.float64) * np.exp(np.asarray(log_scale, np.float64))[..., None, None]).astype(x.dtype)

    def scalars(self, log_scale, **metadata) -> torch.Tensor:
        """Conditioning scalars (B, n_scalars) float32 for the model; NaN marks unknown metadata.

        log_scale (B,) from `to_model`; metadata: {field: (B,)} in the fields' units (magnitude,
        distance_km km, vs30_mps m/s, kappa_s s). A field of `self.metadata` that is missing is unknown
        for every record; fields the model was not trained with are ignored.
        """
        log_scale = torch.as_tensor(log_scale, dtype=torch.float64).cpu()
        n = log_scale.shape[0]
        columns = [(log_scale - self.log_scale_mean) / self.log_scale_std]
        for name in self.metadata:
            log10, centre, spread = METADATA_FEATURES[name]
            columns.append((_feature(metadata.get(name), n, log10=log10) - centre) / spread)
        return torch.stack(columns, dim=-1).float()


def metadata_columns(columns: dict) -> dict:
    """{field: (n,) float64} of the METADATA_FEATURES among a store's columns {name: (n,)}, with
    "vertical" derived from "component" (training stores; whole-record stores `sample` made from waveform
    files: the channel read as `preprocess` reads it, else the reader's orientation) or else "channel"
    (whole-record stores made before they had "component": HNZ, UD, …) where no "vertical" column is given."""
    out = {k: np.asarray(v, np.float64) for k, v in columns.items() if k in METADATA_FEATURES}
    codes = columns.get("component", columns.get("channel"))
    if "vertical" not in out and codes is not None:
        out["vertical"] = vertical_flag(codes)
    return out


def _feature(values, n: int, log10: bool = False) -> torch.Tensor:
    """(n,) float64 tensor of values (NaN where unknown or, for log10, not positive)."""
    if values is None:
        return torch.full((n,), float("nan"), dtype=torch.float64)
    v = torch.as_tensor(np.asarray(values, dtype=np.float64))
    return torch.log10(torch.where(v > 0, v, torch.nan)) if log10 else v


def _divide(x_mps2, log_scale):
    """x (..., C, L) m/s² divided by exp(log_scale) (...), in float64, returned as float32."""
    if isinstance(x_mps2, torch.Tensor):
        scale = torch.exp(torch.as_tensor(log_scale, dtype=torch.float64, device=x_mps2.device))
        return (x_mps2.double() / scale[..., None, None]).float()
    scale = np.exp(np.asarray(log_scale, np.float64))
    return (np.asarray(x_mps2, np.float64) / scale[..., None, None]).astype(np.float32)


def record_statistics(broadband_mps2: np.ndarray, lowpass_mps2: np.ndarray, scaler: "Scaler"):
    """Per-record raw statistics of (n, C, L) m/s² blocks → (std_broadband_mps2 (n,), reference (n,)).

    std is over channels and time; reference is `scaler.reference_level` (floored). Both float64.
    """
    bb = np.asarray(broadband_mps2, np.float64)
    return bb.reshape(len(bb), -1).std(axis=1), scaler.reference_level(lowpass_mps2)


def fit_scaling(store, indices: np.ndarray, block_records: int = 512, reference: str = "peak",
                window: int | None = None, metadata=DEFAULT_METADATA) -> Scaler:
    """Scaler fitted on the raw store's records `indices` (sorted ints), read in blocks of records.

    The statistics are taken on each record's centred `window` samples (None: the whole record), the
    length the model sees (a Fourier level grows with the square root of the duration, a std does not).
    The store's arrays are used exactly as stored (m/s²): nothing is multiplied by a PGA.
    """
    base = Scaler(reference=reference, sampling_rate_hz=store.sampling_rate_hz, lowpass_hz=store.lowpass_hz,
                  filter_order=int(store.attrs.get("filter", {}).get("order", 4)), metadata=tuple(metadata))
    window = min(int(window or store.length), store.length)
    first = (store.length - window) // 2
    indices = np.sort(np.asarray(indices, dtype=np.int64))
    stds, levels = [], []
    for start in range(0, len(store), block_records):
        stop = min(start + block_records, len(store))
        wanted = indices[(indices >= start) & (indices < stop)] - start
        if len(wanted) == 0:
            continue
        block = store.read(start, stop)
        crop = slice(first, first + window)
        std, level = record_statistics(block["broadband"][wanted][..., crop], block["lowpass"][wanted][..., crop], base)
        stds.append(std)
        levels.append(level)
    std, level = np.concatenate(stds), np.concatenate(levels)
    ratio = std / level
    ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
    global_factor = float(np.median(ratio)) if len(ratio) else 1.0
    log_scale = np.log(level) + np.log(global_factor)
    return dataclasses.replace(
        base,
        global_factor=global_factor,
        log_scale_mean=float(log_scale.mean()),
        log_scale_std=float(max(log_scale.std(), 1e-3)),  # one record, or identical ones: no division by 0
    )
