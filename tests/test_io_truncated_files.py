"""Real shared files cut short are refused with one InputError naming the file, never read as less data
(skipped when ../shared/data/strongmotion is absent): miniSEED cut inside a record, with or without
ObsPy's warning; a CSMIP/DMG V2 file cut inside a later channel's velocity/displacement blocks."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from seisdiff.errors import InputError
from seisdiff.io import read

MSEED = Path("fdsn_mseed+stationxml/20170223_uw61251926/UW.SP2..ENE.mseed")  # 512-byte records
DMG_V2 = Path("dmg/19830502_coalinga/ce36456p_CE36456.V2")  # 3 channels, each acc/vel/disp then `/&`


def _mseed_copy(strongmotion_dir: Path, folder: Path, data: bytes) -> Path:
    """`data` written as the UW.SP2 miniSEED file in `folder`, with its StationXML beside it."""
    src = strongmotion_dir / MSEED
    folder.mkdir()
    shutil.copy(src.parent / "UW.SP2.xml", folder / "UW.SP2.xml")
    dst = folder / src.name
    dst.write_bytes(data)
    return dst


@pytest.mark.parametrize("fraction", [0.9, 0.99])
def test_mseed_cut_inside_a_record_is_refused(strongmotion_dir, tmp_path, fraction):
    # 0.9: ObsPy warns "Last record only has 51 byte(s)"; 0.99: 262 bytes of the last record, no warning
    data = (strongmotion_dir / MSEED).read_bytes()
    size = int(len(data) * fraction)
    assert size % 512, "the cut must fall inside a record"
    cut = _mseed_copy(strongmotion_dir, tmp_path / "cut", data[:size])
    with pytest.raises(InputError, match="truncated or damaged") as err:
        read(cut)
    assert err.value.path == str(cut) and "\n" not in str(err.value)


def test_mseed_whole_or_padded_still_reads(strongmotion_dir, tmp_path):
    data = (strongmotion_dir / MSEED).read_bytes()
    whole = read(_mseed_copy(strongmotion_dir, tmp_path / "whole", data))[0]
    padded = read(_mseed_copy(strongmotion_dir, tmp_path / "padded", data + b"\0" * 700))[0]
    assert whole.acc_mps2.size == padded.acc_mps2.size == 24001
    cut_at_record = read(_mseed_copy(strongmotion_dir, tmp_path / "records", data[:512 * 10]))[0]
    assert 0 < cut_at_record.acc_mps2.size < 24001  # whole records: a shorter file, nothing to detect


@pytest.mark.parametrize("fraction", [0.5, 0.97])
def test_dmg_v2_cut_inside_a_channel_is_refused(strongmotion_dir, tmp_path, fraction):
    # 0.5: inside channel 2's velocity block, channel 3 missing (was read as 2 channels, no error);
    # 0.97: inside channel 3's displacement block, after its acceleration
    data = (strongmotion_dir / DMG_V2).read_bytes()
    assert len(read(strongmotion_dir / DMG_V2)) == 3
    cut = tmp_path / DMG_V2.name
    cut.write_bytes(data[:int(len(data) * fraction)])
    with pytest.raises(InputError, match=r"ends inside channel [23] .*`/&`.*truncated") as err:
        read(cut)
    assert err.value.path == str(cut) and "\n" not in str(err.value)


def test_dmg_v2_velocity_block_short_of_its_count_is_refused(strongmotion_dir, tmp_path):
    lines = (strongmotion_dir / DMG_V2).read_bytes().split(b"\r\n")
    veloc = next(k for k, line in enumerate(lines) if b"POINTS OF VELOC DATA" in line)
    damaged = tmp_path / DMG_V2.name
    damaged.write_bytes(b"\r\n".join(lines[:veloc + 5] + lines[veloc + 6:]))  # one row of 8 values gone
    with pytest.raises(InputError, match=r"velocity data from line \d+: 3243 values where the header announces "
                                         r"3251 \(truncated\)"):
        read(damaged)
