"""--model-size is a CLI option, so it wins over a config file's [model] table (a saved config.json holds
a full one); a file's own model_size only supplies defaults that its [model] table changes."""
from seisdiff.engine.config import MODEL_SIZES, TrainConfig, load_config

LARGE = MODEL_SIZES["large"]


def test_cli_model_size_wins_over_a_full_model_table(tmp_path):
    saved = TrainConfig()
    saved.model.channels, saved.model.down_factors, saved.model.groups = (8, 16), (4,), 4
    saved.model.n_channels, saved.model.n_scalars = 3, 5                  # set from the store and [data]
    saved.save(tmp_path / "config.json")
    cfg = load_config(tmp_path / "config.json", {"model_size": "large"})
    assert cfg.model_size == "large"
    assert (cfg.model.channels, cfg.model.down_factors, cfg.model.groups, cfg.model.emb_dim) == \
        (LARGE.channels, LARGE.down_factors, LARGE.groups, LARGE.emb_dim)
    assert (cfg.model.n_channels, cfg.model.n_scalars) == (3, 5)          # not the preset's
    (tmp_path / "k.toml").write_text("[model]\nkernel_size = 5\nchannels = [8, 16]\n")
    assert load_config(tmp_path / "k.toml", {"model_size": "large"}).model.channels == LARGE.channels


def test_a_files_own_model_size_is_changed_by_its_model_table(tmp_path):
    (tmp_path / "f.toml").write_text('model_size = "large"\n[model]\nkernel_size = 5\n')
    cfg = load_config(tmp_path / "f.toml")
    assert (cfg.model_size, cfg.model.channels, cfg.model.kernel_size) == ("large", LARGE.channels, 5)
    assert load_config(tmp_path / "f.toml", {"model_size": None}).model.kernel_size == 5   # option not given
    cfg = load_config(tmp_path / "f.toml", {"model_size": "small", "model.kernel_size": 3})
    assert (cfg.model.channels, cfg.model.kernel_size) == (MODEL_SIZES["small"].channels, 3)  # model.* last
    assert cfg.model_size == "small"
