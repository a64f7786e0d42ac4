"""Header metadata the native readers take (magnitude and its type, places, times), checked on the
shared strong-motion files (skipped when absent) edited where a header field is blank in them."""
from __future__ import annotations

from seisdiff.io import read


def _edited(strongmotion_dir, tmp_path, relative: str, old: str, new: str):
    text = (strongmotion_dir / relative).read_bytes().decode("latin-1")
    assert old in text
    out = tmp_path / (strongmotion_dir / relative).name
    out.write_bytes(text.replace(old, new).encode("latin-1"))
    return out


def test_bhrc_prefers_mw_to_the_first_magnitude_written(strongmotion_dir, tmp_path):
    path = _edited(strongmotion_dir, tmp_path, "bhrc/20120811_ahar/5520-1.V1",
                   "mb      Ms      Mw6.1", "mb5.6    Ms5.9   Mw6.1")
    meta = read(path)[0].metadata
    assert (meta["magnitude"], meta["magnitude_type"]) == (6.1, "Mw")
