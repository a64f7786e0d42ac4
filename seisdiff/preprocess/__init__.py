"""Raw records → conditioned windows → store. `run_preprocess` is what `seisdiff preprocess` calls."""
from seisdiff.preprocess.condition import PreprocessConfig, condition_group
from seisdiff.preprocess.run import run_preprocess

__all__ = ["PreprocessConfig", "condition_group", "run_preprocess"]
