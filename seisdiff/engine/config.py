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
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from seisdiff.engine.samplers import DEFAULT_SAMPLER, DEFAULT_STEPS, SAMPLERS
from seisdiff.engine.scaling import DEFAULT_METADATA, METADATA_FEATURES, REFERENCES
from seisdiff.errors import UserError
from seisdiff.kernels.reference import TARGETS
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
                                   # a new run (fine-tuning); same architecture and metadata fields; not
                                   # a distilled student (refused).
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
    for table in ("model", "data"):
        if not isinstance(d.get(table, {}), dict):
            raise UserError(f"{source}: {table} {d[table]!r} is not a table; write its settings under [{table}]")
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


# (setting, test, what a valid value is), checked after the types; settings of [data] / [model] as data.x / model.x
_RANGES = (
    ("epochs", lambda v: v >= 1, "at least 1"), ("batch_size", lambda v: v >= 1, "at least 1"),
    ("grad_accum", lambda v: v >= 1, "at least 1"), ("lr", lambda v: 0 < v < math.inf, "a number > 0"),
    ("min_lr_ratio", lambda v: 0 <= v <= 1, "in [0, 1]"), ("warmup_steps", lambda v: v >= 0, "0 or more"),
    ("weight_decay", lambda v: 0 <= v < math.inf, "0 or more"), ("beta1", lambda v: 0 <= v < 1, "in [0, 1)"),
    ("beta2", lambda v: 0 <= v < 1, "in [0, 1)"), ("grad_clip", lambda v: 0 < v <= math.inf, "a number > 0"),
    ("ema_decay", lambda v: 0 <= v <= 1, "in [0, 1]"), ("min_snr_gamma", lambda v: v > 0, "a number > 0"),
    ("eval_every", lambda v: v >= 1, "at least 1"), ("diagnostics_every", lambda v: v >= 1, "at least 1"),
    ("checkpoint_every", lambda v: v >= 1, "at least 1"), ("n_eval_records", lambda v: v >= 0, "0 or more"),
    ("eval_steps", lambda v: v >= 1, "at least 1"), ("max_minutes", lambda v: v is None or v > 0, "a number > 0"),
    ("lr_decay_epochs", lambda v: v is None or v >= 1, "at least 1"),
    ("target", lambda v: v in TARGETS, f"one of {list(TARGETS)}"),
    ("scale_reference", lambda v: v in REFERENCES, f"one of {list(REFERENCES)}"),
    ("logsnr_min", lambda v: math.isfinite(v), "a finite number"),
    ("logsnr_max", lambda v: math.isfinite(v), "a finite number"),
    ("data.window", lambda v: v is None or v >= 1, "at least 1 sample"),
    ("data.val_fraction", lambda v: 0 <= v < 1, "in [0, 1)"),
    ("data.metadata_dropout", lambda v: 0 <= v <= 1, "in [0, 1]"),
    ("data.crop_overhang", lambda v: 0 <= v <= 1, "in [0, 1] (a fraction of the window)"),
    ("data.block_records", lambda v: v >= 1, "at least 1"), ("data.max_memory_gb", lambda v: v > 0, "a number > 0"),
    ("model.channels", lambda v: len(v) >= 1 and min(v) >= 1, "one or more counts ≥ 1"),
    ("model.down_factors", lambda v: all(f >= 1 for f in v), "factors ≥ 1"),
    ("model.blocks_per_level", lambda v: v >= 1, "at least 1"),
    ("model.kernel_size", lambda v: v >= 1 and v % 2, "an odd width ≥ 1 (an even one shifts the record)"),
    ("model.groups", lambda v: v >= 1, "at least 1"), ("model.heads", lambda v: v >= 1, "at least 1"),
    ("model.emb_dim", lambda v: v >= 2 and v % 2 == 0, "an even number ≥ 2 (sin and cos halves)"),
    ("model.n_channels", lambda v: v >= 1, "at least 1"), ("model.n_scalars", lambda v: v >= 1, "at least 1"),
)


def _check_ranges(cfg: TrainConfig, source: str) -> None:
    """UserError naming the first setting outside its range, or a network the settings cannot build."""
    for key, ok, valid in _RANGES:
        table, _, name = key.rpartition(".")
        value = getattr(getattr(cfg, table) if table else cfg, name)
        if not ok(value):
            raise UserError(f"{source}: {key} = {value!r} is out of range; give {valid}")
    if cfg.logsnr_min >= cfg.logsnr_max:
        raise UserError(f"{source}: logsnr_min {cfg.logsnr_min} ≥ logsnr_max {cfg.logsnr_max}; give logsnr_min < "
                        "logsnr_max")
    m = cfg.model
    if len(m.down_factors) != len(m.channels) - 1:
        raise UserError(f"{source}: model.down_factors {list(m.down_factors)} needs len(model.channels) - 1 = "
                        f"{len(m.channels) - 1} entries")
    if any(c % m.groups for c in m.channels):
        raise UserError(f"{source}: model.groups {m.groups} does not divide every one of model.channels "
                        f"{list(m.channels)}; choose a common divisor")
    if m.attention and m.channels[-1] % m.heads:
        raise UserError(f"{source}: model.heads {m.heads} does not divide the last of model.channels "
                        f"({m.channels[-1]}); choose a divisor")


def _check_types(obj, source: str, prefix: str = "") -> None:
    """UserError naming the first field of dataclass `obj` whose value is not of its annotated type."""
    for f in dataclasses.fields(obj):
        value, kind = getattr(obj, f.name), str(f.type)
        if kind in ("ModelConfig", "DataConfig") or _has_type(value, kind):
            continue
        raise UserError(f"{source}: {prefix}{f.name} = {value!r} is not {_TYPE_WORDS.get(kind, kind)}; "
                        "give a value of that type")


_TYPE_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false", "str": "a string",
               "int | None": "a whole number", "float | None": "a number", "str | None": "a string",
               "tuple[int, ...]": "a list of whole numbers", "tuple[str, ...]": "a list of strings"}


def _has_type(value, kind: str) -> bool:
    if kind.endswith(" | None"):
        return value is None or _has_type(value, kind[:-len(" | None")])
    if kind.startswith("tuple[") and kind.endswith(", ...]"):
        return isinstance(value, tuple) and all(_has_type(v, kind[6:-6]) for v in value)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)
    return isinstance(value, {"bool": bool, "str": str}[kind])


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
    source = str(path) if path else "config"
    cfg = config_from_dict(d, source)
    check_settings(cfg, source)
    return cfg


def check_settings(cfg: TrainConfig, source: str) -> None:
    """UserError naming the first setting of a wrong type or out of range. For the configurations a user
    gives (load_config); a checkpoint's own, read by config_from_dict, was good enough to train it."""
    _check_types(cfg.model, source, "model.")
    _check_types(cfg.data, source, "data.")
    _check_types(cfg, source)
    _check_ranges(cfg, source)


def _build(cls, values: dict, source: str):
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise UserError(f"{source}: unknown setting(s) {unknown}; known: {sorted(names)}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return cls(**values)
