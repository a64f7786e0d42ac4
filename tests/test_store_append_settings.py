"""`preprocess` into an existing store compared only its layout and band: a run with another filter order, taper,
margin or pre-event lead appended silently, while the store's `preprocess` attribute (and `filter`) kept the first
run's values. A record appended at filter_order 2 to an order-4 store had a `lowpass` 27 % of its peak away from
the documented order-4 filter of its `broadband` (1.4e-4 for the first run's record), and `sample` prepares files for
a model trained on the store by that attribute. Such an append is now refused in one line; one with other settings
that only choose which windows and records are made (--windows, --measure-kappa, …) says so in one line and
appends, since every window it stores is what either run gives."""
import numpy as np
import pytest
import zarr
from synth import accelerogram, write_at2

from seisdiff.cli import main
from seisdiff.errors import UserError
from seisdiff.io.store import create_store, open_store
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.run import run_preprocess

CFG = PreprocessConfig(length=1024)


def _inputs(tmp_path):
    return [str(write_at2(tmp_path / f"S{i}.AT2", accelerogram(i, n=3000), 0.01, station=f"S{i}")) for i in (1, 2)]


def _settings_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "stored records were made with" in line]


@pytest.mark.parametrize("setting, first, other", [("filter_order", 4, 2), ("taper_fraction", 0.05, 0.1),
                                                   ("margin_s", 30.0, 20.0)])
def test_appending_with_settings_that_change_the_samples_is_refused(tmp_path, setting, first, other):
    files, out = _inputs(tmp_path), tmp_path / "s.zarr"
    run_preprocess(files[:1], out, CFG, progress=False)
    other_cfg = PreprocessConfig(length=1024, **{setting: other})
    with pytest.raises(UserError, match=rf"its 1 stored records were preprocessed with {setting} {first}, this run "
                                        rf"asks for {setting} {other}.*same settings, or give another --out"):
        run_preprocess(files[1:], out, other_cfg, progress=False)
    store = open_store(out)
    assert len(store) == 1 and store.attrs["preprocess"][setting] == first
    assert run_preprocess(files[1:], out, CFG, progress=False).stored == 1     # the same settings append


def test_the_pre_event_lead_is_compared_where_it_places_the_window(tmp_path):
    files = _inputs(tmp_path)
    long_window = PreprocessConfig(length=4096)    # 40.96 s: starts pre_event_s before the 5 % Arias time
    run_preprocess(files[:1], tmp_path / "long.zarr", long_window, progress=False)
    with pytest.raises(UserError, match="pre_event_s 3.0, this run asks for pre_event_s 5.0"):
        run_preprocess(files[1:], tmp_path / "long.zarr", PreprocessConfig(length=4096, pre_event_s=5.0),
                       progress=False)
    run_preprocess(files[:1], tmp_path / "short.zarr", CFG, progress=False)   # placed by its Arias intensity
    assert run_preprocess(files[1:], tmp_path / "short.zarr", PreprocessConfig(length=1024, pre_event_s=5.0),
                          progress=False).stored == 1


def test_appending_with_more_windows_says_so_and_appends(tmp_path, capsys):
    files, out = _inputs(tmp_path), tmp_path / "s.zarr"
    run_preprocess(files[:1], out, CFG, progress=False)
    capsys.readouterr()
    summary = run_preprocess(files, out, PreprocessConfig(length=1024, windows=2), progress=False)
    (line,) = _settings_lines(capsys.readouterr().err)
    assert "its 1 stored records were made with windows 1, this run's with windows 2" in line
    assert "records stored already are not remade" in line and "another --out" in line
    store = open_store(out)
    assert (summary.stored, summary.already) == (2, 1)
    assert store.record_ids.tolist() == ["S1_w0", "S2_w0", "S2_w1"]
    assert store.attrs["preprocess"]["windows"] == 1                        # the first run's, as the line says


def test_the_same_settings_and_a_setting_the_store_predates_say_nothing(tmp_path, capsys):
    files, out = _inputs(tmp_path), tmp_path / "s.zarr"
    run_preprocess(files[:1], out, CFG, progress=False)
    attrs = dict(zarr.open_group(str(out), mode="r").attrs)
    del attrs["preprocess"]["measure_kappa"]     # a store made before the setting: as its default, False
    zarr.open_group(str(out), mode="r+").attrs.put(attrs)
    capsys.readouterr()
    assert run_preprocess(files[1:], out, CFG, progress=False).stored == 1
    assert _settings_lines(capsys.readouterr().err) == []


def test_an_empty_store_takes_this_runs_settings(tmp_path):
    out = tmp_path / "empty.zarr"          # a run that stored nothing: no records to mix with
    create_store(out, sampling_rate_hz=100.0, length=1024, lowpass_hz=1.0, extra_attrs={"preprocess": CFG.as_attrs()})
    assert run_preprocess(_inputs(tmp_path)[:1], out, PreprocessConfig(length=1024, filter_order=2),
                          progress=False).stored == 1
    store = open_store(out)
    assert store.attrs["preprocess"]["filter_order"] == 2 and store.attrs["filter"]["order"] == 2


def test_the_command_says_another_kappa_setting_in_one_line(tmp_path, capsys):
    files, out = _inputs(tmp_path), str(tmp_path / "s.zarr")
    assert main(["preprocess", files[0], "--out", out, "--length", "1024", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["preprocess", files[1], "--out", out, "--length", "1024", "--quiet", "--measure-kappa"]) == 0
    (line,) = _settings_lines(capsys.readouterr().err)
    assert "made with measure_kappa False, this run's with measure_kappa True" in line
    assert np.isnan(open_store(out).column("kappa_s")[0])                  # not remade
