"""The diffusion engine: scaling (the one physical ↔ model conversion), schedules, the 1-D U-Net,
data loading, training and the sampling-side Denoiser."""
from seisdiff.engine.config import DataConfig, ModelConfig, TrainConfig, load_config
from seisdiff.engine.denoiser import Denoiser, load_denoiser
from seisdiff.engine.scaling import Scaler, fit_scaling
from seisdiff.engine.schedule import CosineSchedule, karras_sigmas, min_snr_weight, ve_from_vp, vp_from_ve

__all__ = [
    "Scaler", "fit_scaling", "CosineSchedule", "karras_sigmas", "min_snr_weight", "vp_from_ve", "ve_from_vp",
    "Denoiser", "load_denoiser", "TrainConfig", "ModelConfig", "DataConfig", "load_config",
]
