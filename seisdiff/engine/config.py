"""Training configuration: dataclasses with defaults, loadable from TOML (or the saved JSON), with
command-line overrides applied last. The resolved configuration is saved next to the checkpoints.

Resolution order: defaults → model-size preset → file ([model], [data] tables, top-level keys) → CLI.
A model_size given on the command line (an override) is a CLI option too: its preset replaces the file's
[model] network settings (a saved config.json holds a full [model] table); a file's own model_size
only supplies the defaults its [model] table then changes.
"""
from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from seisdiff.engine.samplers import DEFAULT_SAMPLER, DEFAULT_STEPS, SAMPLERS
from seisdiff.engine.scaling import DEFAULT_METADATA, METADATA_FEATURES
from seisdiff.errors import UserError
from seisdiff.io.atomic import write_text_atomic


@dataclass
class ModelConfig:
    channels: tuple[int, ...] = (32, 64, 96, 128)  # feature channels per resolution level
    down_factors: tuple[int, ...] = (4, 4, 4)      # downsampling between levels (len(channels) - 1)
    blocks_per_level: int = 1                      # residual blocks per level and path
    kernel_size: int = 7                           # convolution width, samples
    groups: int = 8                                # GroupNorm groups (divides every channel count)
    attention: bool = True                         # self-attention at the coarsest level
    heads: int = 4
    emb_dim: int = 128                             # noise-level + scalar embedding width
    n_channels: int = 1                            # record components (1 or 3); set from the store
    n_scalars: int = 4                             # ln(scale) + metadata fields; set from [data] metadata_fields


# ModelConfig fields that training sets from the store and [data], not from a preset
FROM_THE_STORE = ("n_channels", "n_scalars")
MODEL_SIZES = {
    "small": ModelConfig(),
    "large": ModelConfig(channels=(64, 128, 256, 384, 512), down_factors=(2, 4, 4, 4),
                         blocks_per_level=2, kernel_size=7, groups=32, heads=8, emb_dim=256),
}


@dataclass
class DataConfig:
    window: int | None = None      # samples per training example; None = the store's length
    val_fraction: float = 0.1      # of events (or of records when the store has no `event`)
    flip_polarity: bool = True     # random sign flip, same for broadband and lowpass
    use_metadata: bool = True      # the store's metadata columns as conditioning scalars (else all unknown)
    metadata_fields: tuple[str, ...] = DEFAULT_METADATA  # + "kappa_s" (s): see engine/scaling.py
                                   # METADATA_FEATURES and `preprocess --measure-kappa`
    metadata_dropout: float = 0.0  # chance a training example's metadata is hidden (NaN), so "unknown"
                                   # does not single out the real records (0.5 tried: see MODEL_CARD.md)
    crop_overhang: float = 0.0     # fraction of the window a training crop may reach past either end of its
                                   # record, zero-filled; 1 = every record sample at every window position
                                   # equally often: halves the network's positional prior, moves no
                                   # held-out goal (docs/MEASUREMENTS.md, "Training crops that reach past
                                   # the record"; not in the shipped recipes)
    block_records: int = 512       # records per store read
    max_memory_gb: float = 8.0     # above this, stream blocks instead of holding the training set


@dataclass
class TrainConfig:
    model_size: str = "small"
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    target: str = "v"              # network output: eps | v | x0
    scale_reference: str = "peak"  # per-record amplitude reference: peak | spectral (engine/scaling.py;
                                   # the shipped model uses peak, spectral is compared in MODEL_CARD.md)
    min_snr_gamma: float = 5.0     # min-SNR-γ loss weighting
    logsnr_min: float = -15.0      # cosine schedule truncation
    logsnr_max: float = 15.0
    init_from: str | None = None   # checkpoint ("default": the shipped one) whose EMA weights and scaling start
                                   # a new run (fine-tuning); same architecture and metadata fields.
                                   # None: random weights, scaling fitted on the training store
    epochs: int = 200
    max_minutes: float | None = None  # wall-clock budget: stop after the epoch that exceeds it
    lr_decay_epochs: int | None = None  # cosine decay length; None = epochs (set it to resume longer)
    batch_size: int = 16           # records per optimizer step, over all processes
    grad_accum: int = 1            # micro-batches per step and process
    lr: float = 3e-4               # peak learning rate (AdamW)
    min_lr_ratio: float = 0.05     # final lr / peak lr
    warmup_steps: int = 100
    weight_decay: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.99
    grad_clip: float = 1.0         # max global gradient norm
    ema_decay: float = 0.999
    seed: int = 0
    eval_every: int = 1            # epochs between validation losses
    diagnostics_every: int = 5     # epochs between diagnostics + quick generation check
    checkpoint_every: int = 10     # epochs between kept `epoch_NNNN.pt`
    n_eval_records: int = 4        # validation records generated at each diagnostics
    eval_sampler: str = DEFAULT_SAMPLER  # sampler and steps of the generation check: `sample`'s
    eval_steps: int = DEFAULT_STEPS      # default, so that the check shows what users get
    compile: bool = False          # torch.compile the model (GPU)
    amp: bool = True               # bf16 autocast on CUDA (ignored on CPU)
    progress: bool = True          # tqdm bar per epoch (else one line per epoch)

    def to_dict(self) -> dict:
        return json.loads(json.dumps(dataclasses.asdict(self)))  # tuples → lists, plain types only

    def save(self, path: Path) -> None:
        write_text_atomic(path, json.dumps(self.to_dict(), indent=2) + "\n")


def upgrade_saved(d: dict) -> dict:
    """A config written by an older seisdiff (a file, or a version-1 checkpoint's "config", see
    `checkpoint.migrate`) in the current layout: before eval_sampler existed the check was DDIM."""
    if "eval_steps" in d and "eval_sampler" not in d:
        return {**d, "eval_sampler": "ddim"}
    return d


def config_from_dict(d: dict, source: str = "config") -> TrainConfig:
    """TrainConfig from a nested dict (TOML or saved JSON); unknown keys are a UserError."""
    d = dict(d)
    size = d.get("model_size", "small")
    if size not in MODEL_SIZES:
        raise UserError(f"{source}: model_size {size!r} is unknown; use one of {sorted(MODEL_SIZES)}")
    model = _build(ModelConfig, {**dataclasses.asdict(MODEL_SIZES[size]), **d.pop("model", {})}, f"{source} [model]")
    data = _build(DataConfig, d.pop("data", {}), f"{source} [data]")
    unknown = sorted(set(data.metadata_fields) - set(METADATA_FEATURES))
    if unknown:
        raise UserError(f"{source} [data] metadata_fields: {unknown} unknown; use some of {list(METADATA_FEATURES)}")
    cfg = _build(TrainConfig, {**d, "model": model, "data": data}, source)
    if not isinstance(cfg.seed, int) or isinstance(cfg.seed, bool) or cfg.seed < 0:
        raise UserError(f"{source}: seed {cfg.seed!r}: give a whole number ≥ 0")
    if cfg.eval_sampler not in SAMPLERS:
        raise UserError(f"{source}: eval_sampler {cfg.eval_sampler!r} is unknown; use one of {list(SAMPLERS)}")
    return cfg


def load_config(path: str | Path | None = None, overrides: dict | None = None) -> TrainConfig:
    """Resolved config from an optional .toml/.json file plus overrides {key: value} (None = unset).

    Override keys are top-level names, or `model.<name>` / `data.<name>`.
    """
    d: dict = {}
    if path is not None:
        path = Path(path)
        try:
            d = json.loads(path.read_text()) if path.suffix == ".json" else tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise UserError(f"{path}: config file not found; check the --config path") from None
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise UserError(f"{path}: not valid TOML/JSON ({exc}); fix the file") from None
        d = upgrade_saved(d)
    size = (overrides or {}).get("model_size")
    if size in MODEL_SIZES:   # --model-size wins over the file's [model] table; an unknown one is refused below
        preset = {k: v for k, v in dataclasses.asdict(MODEL_SIZES[size]).items() if k not in FROM_THE_STORE}
        d["model"] = {**d.get("model", {}), **preset}
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        table, _, name = key.rpartition(".")
        (d.setdefault(table, {}) if table else d)[name] = value
    return config_from_dict(d, str(path) if path else "config")


def _build(cls, values: dict, source: str):
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise UserError(f"{source}: unknown setting(s) {unknown}; known: {sorted(names)}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return cls(**values)
