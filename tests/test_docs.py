"""The documents say what the code does: the README's command table lists each command's options (and
only those), the sections and files the README and the model card cite exist, and the README's store
schema names every column and attribute `preprocess` and `sample`'s conditioning write."""
import argparse
import re
import shutil
from pathlib import Path

import pytest
import zarr

from seisdiff.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MODEL_CARD = ROOT / "seisdiff" / "pretrained" / "MODEL_CARD.md"
DOCS = (README, MODEL_CARD, ROOT / "docs" / "recipe" / "README.md")


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _table_rows() -> dict[str, str]:
    """{command: the usage cell of its row in the README's command reference}."""
    text = README.read_text().split("## Command reference", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in text.splitlines():
        cell = re.match(r"\| `([a-z]+)( [^`]*)?` \|", line)
        if cell:
            rows[cell.group(1)] = cell.group(0)
    return rows


def _option_names(action: argparse.Action) -> set[str]:
    return {o for o in action.option_strings if o.startswith("--") or o == "-k"} - {"--help"}


@pytest.mark.parametrize("command", COMMANDS)
def test_command_table_lists_each_option_of_the_command(command):
    row = _table_rows()[command]
    documented = set(re.findall(r"(?<![\w-])(--[a-z0-9-]+|-k)\b", row))
    actions = [a for a in _subparsers()[command]._actions if _option_names(a)]
    known = set().union(*(_option_names(a) for a in actions))
    assert documented <= known, f"README lists options `{command}` does not have: {sorted(documented - known)}"
    missing = [sorted(_option_names(a))[0] for a in actions if not _option_names(a) & documented]
    assert not missing, f"README's `{command}` row leaves out {missing}"


def _headings(doc: Path) -> list[str]:
    return [re.sub(r"^#+\s*", "", line) for line in doc.read_text().splitlines() if line.startswith("#")]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_cited_sections_exist(doc):
    """`docs/X.md, "Section", "Other"`: each section is a heading of docs/X.md (headings may go on: '… (date)')."""
    cited = 0
    for name, quoted in re.findall(r"(docs/[\w.-]+\.md)((?:,?\s+\"[^\"]+\")+)", doc.read_text()):
        headings = _headings(ROOT / name)
        for section in (" ".join(q.split()) for q in re.findall(r"\"([^\"]+)\"", quoted)):
            assert any(h.startswith(section) for h in headings), f"{doc.name}: {name} has no section {section!r}"
            cited += 1
    assert cited >= 1 or doc != README


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_cited_files_exist(doc):
    """Repository files a document names (docs/…, bench/…, tests/…, io/…, engine/…, …) exist."""
    text = doc.read_text()
    names = set(re.findall(r"(?<![\w/.-])((?:docs|bench|tests|seisdiff|io|dsp|engine|preprocess|evaluate|"
                           r"simulate|kernels|commands)/[\w/.-]*\.(?:py|md|toml|csv|json|sh))", text))
    assert names
    for name in names:
        assert (ROOT / name).exists() or (ROOT / "seisdiff" / name).exists(), f"{doc.name} names {name}: missing"


def _store_section() -> str:
    return README.read_text().split("## Store", 1)[1].split("\n## ", 1)[0]


def _undocumented(store: Path) -> list[str]:
    group = zarr.open_group(store, mode="r")
    named = set(re.findall(r"`([a-z_0-9]+)", _store_section()))
    return sorted((set(group.array_keys()) | set(group.attrs["columns"]) | set(group.attrs)) - named)


def test_store_schema_names_what_preprocess_and_the_conditioning_write(ngaw2_dir, tmp_path):
    from seisdiff.preprocess.condition import PreprocessConfig
    from seisdiff.preprocess.run import run_preprocess
    from seisdiff.preprocess.whole import prepare_conditioning

    files = sorted(ngaw2_dir.glob("RSN5000_*.AT2"))
    for f in files:
        shutil.copy(f, tmp_path / f.name)
    run_preprocess([str(tmp_path / f.name) for f in files], tmp_path / "train.zarr", PreprocessConfig(),
                   progress=False)
    prepare_conditioning([str(tmp_path / files[0].name)], tmp_path / "cond.zarr", PreprocessConfig(),
                         progress=False)
    run_preprocess([str(tmp_path / f.name) for f in files], tmp_path / "three.zarr", PreprocessConfig(),
                   components="3", progress=False)   # its `triplet_alignment` attribute
    assert len(zarr.open_group(tmp_path / "three.zarr", mode="r").attrs["channels"]) == 3
    assert _undocumented(tmp_path / "train.zarr") == []
    assert _undocumented(tmp_path / "cond.zarr") == []
    assert _undocumented(tmp_path / "three.zarr") == []


def test_the_analysis_readme_lists_every_script():
    """docs/analysis/README.md's table names each script in docs/analysis (helpers `_*.py` aside): the one behind
    MEASUREMENTS' Ridgecrest rupture paragraph, ridgecrest_fault.py, was missing."""
    folder = ROOT / "docs" / "analysis"
    listed = set(re.findall(r"^\| `([^`]+\.py)` \|", (folder / "README.md").read_text(), flags=re.M))
    scripts = {p.name for p in folder.glob("*.py") if not p.name.startswith("_")}
    assert scripts - listed == set()
    assert listed - scripts == set()


def test_the_model_card_states_the_level_models_default_rule():
    """Since 56c4299 the level model sets every record's level (`sample --network-level`: the earlier rule, only
    records of regions the model was not fitted on). The model card's 'The model' section still said it was
    'applied to records whose region is not one of the six it was fitted on, or unknown'."""
    from seisdiff.engine.sampling import SampleConfig

    assert SampleConfig(checkpoint="c", cond=["x"], out="o").scenario is True        # the default the card states
    card = MODEL_CARD.read_text()
    bullet = card.split("- Level model (`level_model`", 1)[1].split("\n- ", 1)[0]
    assert "applied to every record" in bullet and "--network-level" in bullet
