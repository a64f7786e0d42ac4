"""The one conversion between physical units (m/s²) and model units, and back.

Every other module works either in physical units (the store, exports, evaluation) or in model units
(the network, the diffusion), never both. The conversion, for one record, is

    scale_mps2 = max(max |lowpass_mps2| over channels and time, eps_mps2) · global_factor
    x_model    = broadband_mps2 / scale_mps2        cond_model = lowpass_mps2 / scale_mps2
    log_scale  = ln(scale_mps2)                     (float64, one per record)
    broadband_mps2 = x_model · exp(log_scale)       (the exact inverse, up to float32 rounding)

The scale comes from the conditioning only, so it is known at inference. `global_factor` is the
median over training records of std(broadband) / max|lowpass|, computed on the raw store before
training (`fit_scaling`) and saved in the checkpoint, so that model-space broadband has about unit
standard deviation — the same scale as the diffusion noise. Because x_model ignores the absolute
amplitude (`to_model(k·b, k·l)` is the same for every k > 0), ln(scale) is given to the network as a
conditioning scalar, standardised with the mean and std of the training records' log scales.

Metadata (magnitude, distance, Vs30) enters as further scalars on fixed reference scales; NaN means
unknown and is masked inside the model.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

EPS_MPS2 = 1e-8  # floor on max|lowpass|: an all-zero conditioning must not divide by zero
N_SCALARS = 4    # log-scale, magnitude, log10 distance, log10 Vs30


@dataclass(frozen=True)
class Scaler:
    """Scaling statistics of a training store (saved in checkpoints as a plain dict)."""

    global_factor: float = 1.0   # median std(broadband)/max|lowpass| over training records
    log_scale_mean: float = 0.0  # mean of ln(scale_mps2) over training records
    log_scale_std: float = 1.0   # std of ln(scale_mps2) over training records (> 0)
    eps_mps2: float = EPS_MPS2   # floor on max|lowpass|, m/s²

    def to_dict(self) -> dict:
        return {k: float(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> "Scaler":
        return cls(**{k: float(d[k]) for k in ("global_factor", "log_scale_mean", "log_scale_std", "eps_mps2")})

    def log_scale(self, lowpass_mps2):
        """ln(scale_mps2) for lowpass (..., C, L) in m/s² (NumPy or torch) → (...) float64."""
        if isinstance(lowpass_mps2, torch.Tensor):
            peak = lowpass_mps2.detach().abs().amax(dim=(-2, -1)).double().clamp_min(self.eps_mps2)
            return torch.log(peak) + np.log(self.global_factor)
        peak = np.maximum(np.abs(np.asarray(lowpass_mps2)).max(axis=(-2, -1)).astype(np.float64), self.eps_mps2)
        return np.log(peak) + np.log(self.global_factor)

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

    def scalars(self, log_scale, magnitude=None, distance_km=None, vs30_mps=None) -> torch.Tensor:
        """Conditioning scalars (B, N_SCALARS) float32 for the model; NaN marks unknown metadata.

        log_scale (B,) from `to_model`; magnitude (B,), distance_km (B,) km, vs30_mps (B,) m/s, each
        optional (None = unknown for every record).
        """
        log_scale = torch.as_tensor(log_scale, dtype=torch.float64).cpu()
        n = log_scale.shape[0]
        columns = [
            (log_scale - self.log_scale_mean) / self.log_scale_std,
            _feature(magnitude, n) - 6.0,                                   # moment magnitude about M6
            (_feature(distance_km, n, log10=True) - 1.5) / 0.5,             # ~30 km, ±0.5 decade
            (_feature(vs30_mps, n, log10=True) - np.log10(500.0)) / 0.2,    # ~500 m/s
        ]
        return torch.stack(columns, dim=-1).float()


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


def record_statistics(broadband_mps2: np.ndarray, lowpass_mps2: np.ndarray, eps_mps2: float = EPS_MPS2):
    """Per-record raw statistics of (n, C, L) m/s² blocks → (std_broadband_mps2 (n,), peak_lowpass_mps2 (n,)).

    std is over channels and time; peak is max |lowpass| floored at eps_mps2. Both float64.
    """
    bb = np.asarray(broadband_mps2, np.float64)
    std = bb.reshape(len(bb), -1).std(axis=1)
    peak = np.maximum(np.abs(np.asarray(lowpass_mps2)).reshape(len(bb), -1).max(axis=1).astype(np.float64), eps_mps2)
    return std, peak


def fit_scaling(store, indices: np.ndarray, block_records: int = 512) -> Scaler:
    """Scaler fitted on the raw store's records `indices` (sorted ints), read in blocks of records.

    The store's arrays are used exactly as stored (m/s²): nothing is multiplied by a PGA.
    """
    indices = np.sort(np.asarray(indices, dtype=np.int64))
    stds, peaks = [], []
    for start in range(0, len(store), block_records):
        stop = min(start + block_records, len(store))
        wanted = indices[(indices >= start) & (indices < stop)] - start
        if len(wanted) == 0:
            continue
        block = store.read(start, stop)
        std, peak = record_statistics(block["broadband"][wanted], block["lowpass"][wanted])
        stds.append(std)
        peaks.append(peak)
    std, peak = np.concatenate(stds), np.concatenate(peaks)
    ratio = std / peak
    ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
    global_factor = float(np.median(ratio)) if len(ratio) else 1.0
    log_scale = np.log(peak) + np.log(global_factor)
    return Scaler(
        global_factor=global_factor,
        log_scale_mean=float(log_scale.mean()),
        log_scale_std=float(max(log_scale.std(), 1e-3)),  # one record, or identical ones: no division by 0
    )
