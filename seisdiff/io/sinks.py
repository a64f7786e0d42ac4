"""Where `seisdiff sample` puts generated records (m/s²): a store or one file per record, resumably.

Both sinks take whole records (C, L) in m/s² at the conditioning's length L and know what is already
written (`done`), so a re-run skips it:
  ZarrSink   OUT (or OUT/rank<r>.zarr under torchrun): broadband = generated, lowpass = the
             conditioning, record_id `<source id>_r<k>`, columns source_record_id, realization and the
             conditioning's columns (n_samples, start_time, event_date, codes, metadata); one commit per flush.
             Records shorter than L (column n_samples) are zero beyond n_samples, as in the conditioning.
  FileSink   OUT/`<source id>_r<k>.<ext>` (a 3-component record: `…_r<k>_<H1|H2|Z>`), each cut to the
             record's n_samples and carrying its start time, event date and NET/STA/LOC/CHA codes; velocity in m/s
             when asked (`export.velocity_mps`; AT2: `.VT2` in cm/s).
`write_settings` keeps OUT/sample_config.json and refuses to resume an output made with other settings. Its
paths of the inputs (checkpoint, conditioning store, the keys of `inputs`) are absolute as `sample` records them,
or relative to OUT itself (how crossval records a fold's files, so that a moved folder resumes); the resume
checks compare them resolved (`read_settings`), and a resume keeps a relative one relative.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from seisdiff import __version__
from seisdiff.errors import UserError
from seisdiff.io.atomic import write_text_atomic
from seisdiff.io.export import PLACE_FIELDS, export_records, suffix_for, velocity_mps
from seisdiff.io.store import create_store, unfinished_store

CHANNEL_SUFFIXES = ("H1", "H2", "Z")     # = preprocess.groups.CHANNEL_ORDER
META_COLUMNS = ("start_time", "network", "station", "location", "channel", "event", "event_date")
# what the conditioning store says of its records that holds for the generated ones: the C axis's order
# (H1, H2, Z), whole records (padded to the longest, `n_samples`), their preprocessing
KEPT_ATTRS = ("channels", "whole_records", "preprocess")


PATH_SETTINGS = ("checkpoint", "conditioning_store")    # a path each; the keys of `inputs` are paths too


def read_settings(out: Path) -> dict | None:
    """OUT/sample_config.json with its paths absolute (`absolute_paths`); None when there is none."""
    path = Path(out) / "sample_config.json"
    return absolute_paths(json.loads(path.read_text()), out) if path.is_file() else None


def absolute_paths(settings: dict, out: Path) -> dict:
    """settings with the paths of its inputs (PATH_SETTINGS, the keys of `inputs`) absolute, as `sample` records
    them: a relative one is relative to OUT, the folder of sample_config.json."""
    return map_paths(settings, lambda p: _resolved(p, out))


def map_paths(settings: dict, move) -> dict:
    """settings with move(path) for each path of its inputs (PATH_SETTINGS, the keys of `inputs`)."""
    new = {**settings, **{k: move(settings[k]) for k in PATH_SETTINGS if isinstance(settings.get(k), str)}}
    if isinstance(settings.get("inputs"), dict):
        new["inputs"] = {move(k): v for k, v in settings["inputs"].items()}
    return new


def _resolved(path: str, out: Path) -> str:
    return path if Path(path).is_absolute() else str((Path(out) / path).resolve())


def _kept_relative(settings: dict, recorded: dict, out: Path) -> dict:
    """settings with each path that `recorded` (OUT/sample_config.json as it is) holds relative written as it is
    there: a hand-run `sample` on a crossval fold leaves the folder movable."""
    paths = [recorded[k] for k in PATH_SETTINGS if isinstance(recorded.get(k), str)]
    paths += list(recorded.get("inputs") or {})
    relative = {_resolved(p, out): p for p in paths if not Path(p).is_absolute()}
    return map_paths(settings, lambda p: relative.get(p, p))


def write_settings(out: Path, settings: dict, resume_keys, defaults: dict | None = None,
                   hints: dict | None = None) -> None:
    """Write OUT/sample_config.json, refusing to resume an output made with other settings (a key an
    older output lacks counts as its `defaults` value; hints: {key: {its value there: what resumes it}}, for a
    setting whose default changed, so that the same options no longer resume: said where it is the only one).
    Paths are compared resolved (a relative one: relative to OUT); one recorded relative stays so."""
    path = out / "sample_config.json"
    if path.is_file():
        recorded = json.loads(path.read_text())
        old, now = absolute_paths(recorded, out), absolute_paths(settings, out)
        settings = _kept_relative(settings, recorded, out)
        defaults, hints = defaults or {}, hints or {}
        changed = [k for k in resume_keys if old.get(k, defaults.get(k)) != now[k]]
        hints = hints if len(changed) == 1 else {}          # another setting differing too: no option resumes it
        diffs = [setting_change(k, old.get(k, defaults.get(k)), now[k], hints.get(k)) for k in changed]
        if diffs:
            raise UserError(f"{out}: was generated with other settings (there vs now: {'; '.join(diffs)}); "
                            "use the same options to resume, or another --out")
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(settings, indent=2) + "\n")


def setting_change(key: str, there, now, hints: dict | None = None) -> str:
    """'key: there vs now' of a setting a resume would change; of two dicts (a --src's rupture) only the entries that
    differ; hints: {a value there: what resumes it}, said after it."""
    if isinstance(there, dict) and isinstance(now, dict):
        keys = [k for k in dict.fromkeys([*there, *now]) if there.get(k) != now.get(k)]
        return f"{key}: " + ", ".join(f"{k} {there.get(k)!r} vs {now.get(k)!r}" for k in keys)
    hint = next((text for value, text in (hints or {}).items() if value == there and type(value) is type(there)), None)
    return f"{key}: {there!r} vs {now!r}" + (f", {hint}" if hint else "")


SAMPLE_MARK = "sampling"     # the store attribute (the run's settings) that marks a store `sample` wrote


def _store_attrs(path: Path) -> dict | None:
    """The attributes of the Zarr v3 store at path (any store, not only seisdiff's); None when none is there, or
    only one whose creation was stopped midway (`store.unfinished_store`: created again)."""
    meta = path / "zarr.json"
    if not meta.is_file() or unfinished_store(path):
        return None
    try:
        return dict(json.loads(meta.read_text()).get("attributes") or {})
    except PermissionError:     # not said as a store `sample` did not write: the CLI's line, the file cannot be read
        raise
    except (OSError, ValueError, AttributeError):
        return {}


def refuse_foreign_out(path: Path, cond_path, writes: str = "generated records") -> None:
    """UserError (one line) when what this run writes at `path` would go into the --cond store, or into
    an existing store that `sample` did not write (a training or conditioning store). Only a sample output
    store (attribute SAMPLE_MARK) takes generated records (that is how a run resumes); `writes` other than
    records (files, rank stores) go into a folder, never into any store."""
    if cond_path is not None and Path(path).resolve() == Path(cond_path).resolve():
        raise UserError(f"--out {path}: is the --cond store itself; generated records would be mixed into the "
                        "conditioning; choose another --out")
    attrs = _store_attrs(Path(path))
    if attrs is None or (writes == "generated records" and SAMPLE_MARK in attrs):
        return
    kind = "a store" if SAMPLE_MARK in attrs else \
        "a store that `sample` did not write (a training or conditioning store?)"
    raise UserError(f"--out {path}: is {kind}; writing {writes} there would mix them into it; choose another --out")


def rank_stores(out: Path) -> list[Path]:
    """OUT/rank<r>.zarr of every rank that wrote there, whatever the world size of its run, by rank."""
    found = [p for p in Path(out).glob("rank*.zarr") if p.name[4:-5].isdigit()]
    return sorted(found, key=lambda p: int(p.name[4:-5]))


def rank_store_ids(out: Path, exclude: Path | None = None) -> set:
    """The record ids committed in the rank stores under OUT (but `exclude`); a store being created by another
    rank at this moment, not yet readable, holds none yet."""
    from seisdiff.io.store import open_store

    ids: set = set()
    for path in rank_stores(out):
        if path == exclude or SAMPLE_MARK not in (_store_attrs(path) or {}):
            continue
        try:
            ids.update(open_store(path).record_ids.tolist())
        except UserError:
            continue
    return ids


class ZarrSink:
    """Generated records → a store (OUT, or OUT/rank<r>.zarr under torchrun), one commit per flush.
    Refuses (`refuse_foreign_out`) the --cond store and any existing store `sample` did not write."""

    def __init__(self, out: Path, cond, settings: dict, world: int, rank: int, flush_records: int = 64):
        self.path = out if world == 1 else out / f"rank{rank}.zarr"
        if world > 1:
            refuse_foreign_out(out, cond.path, writes="rank stores")
        elif out.is_dir() and any(out.glob("rank*.zarr")):
            raise UserError(f"{out}: holds the rank stores of a torchrun run (its merged output is "
                            f"{out / 'samples.zarr'}): resume it under torchrun, with the same command and as many "
                            "processes, or give another --out")
        refuse_foreign_out(self.path, cond.path)   # a folder of other files: create_store refuses it
        if world > 1:
            (out / f"rank{rank}.done").unlink(missing_ok=True)
        self.writer = create_store(self.path, sampling_rate_hz=cond.sampling_rate_hz, length=cond.length,
                                   n_channels=cond.n_channels, lowpass_hz=cond.lowpass_hz, band_hz=cond.band_hz,
                                   producer=f"seisdiff {__version__} sample",
                                   extra_attrs={SAMPLE_MARK: settings, **{k: cond.attrs[k] for k in KEPT_ATTRS
                                                                          if k in cond.attrs}})
        self.existing = self.writer.existing_ids
        if world > 1:    # resumed with another world size: records other ranks' stores hold are not made again
            self.existing |= rank_store_ids(out, exclude=self.path)
        self.flush_records = flush_records
        self.buffer: list = []

    def done(self, record_id: str, k: int) -> bool:
        return f"{record_id}_r{k}" in self.existing

    def add(self, record_id: str, k: int, acc_mps2, lowpass_mps2, columns: dict) -> bool:
        """Buffer one generated record (committed in blocks); True: it will be written."""
        self.buffer.append((record_id, k, acc_mps2, lowpass_mps2, columns))
        if len(self.buffer) >= self.flush_records:
            self.flush()
        return True

    def flush(self) -> None:
        if not self.buffer:
            return
        ids, ks, accs, lps, cols = zip(*self.buffer)
        bb, lp = np.stack(accs), np.stack(lps)
        columns = {name: np.array([c[name] for c in cols]) for name in cols[0]}
        columns.update({"source_record_id": np.array(ids, dtype=str), "realization": np.array(ks, dtype=np.int64)})
        names = [f"{rid}_r{k}" for rid, k in zip(ids, ks)]
        self.writer.append(bb, lp, names, columns)
        self.existing.update(names)
        self.buffer = []


class FileSink:
    """Generated records → one file per record, realization (and channel) in the folder OUT."""

    def __init__(self, out: Path, cond, fmt: str, output: str = "acceleration"):
        refuse_foreign_out(out, cond.path, writes=f"{fmt} files")
        self.path, self.fmt, self.fs_hz, self.output = out, fmt, cond.sampling_rate_hz, output
        self.highpass_hz = cond.band_hz[0]
        self.suffix = suffix_for(fmt, output)
        self.channels = [""] if cond.n_channels == 1 else \
            ([f"_{c}" for c in CHANNEL_SUFFIXES] if cond.n_channels == 3 else [f"_c{j}" for j in range(cond.n_channels)])

    def names(self, record_id: str, k: int) -> list[str]:
        return [f"{record_id}_r{k}{c}" for c in self.channels]

    def done(self, record_id: str, k: int) -> bool:
        return all((self.path / f"{n}{self.suffix}").is_file() for n in self.names(record_id, k))

    def add(self, record_id: str, k: int, acc_mps2, lowpass_mps2, columns: dict) -> bool:
        """Write one generated record's file(s); False (and one line on stderr) when it cannot be written."""
        n = int(columns.get("n_samples", -1))
        trace = np.asarray(acc_mps2)[:, :n] if 0 < n < np.shape(acc_mps2)[-1] else np.asarray(acc_mps2)
        if self.output == "velocity":
            trace = velocity_mps(trace, self.fs_hz, self.highpass_hz)
        names = self.names(record_id, k)
        try:
            export_records(self.path, self.fmt, trace, self.fs_hz, names,
                           meta=self.meta(columns, len(self.channels)), quantity=self.output)
        except OSError:  # disk full, no permission: every later record would fail too
            raise
        except Exception as exc:  # this record's header or samples: one line, the run goes on
            reason = " ".join(str(exc).split())[:200]
            files = f"{names[0]}{self.suffix}" if len(names) == 1 else f"{record_id}_r{k}_*{self.suffix}"
            print(f"sample: skipped {self.path / files}: cannot be written as {self.fmt} "
                  f"({type(exc).__name__}: {reason})", file=sys.stderr)
            return False
        return True

    @staticmethod
    def meta(columns: dict, n_channels: int) -> list[dict]:
        """Per channel {start_time, network, station, location, channel, event, event_date} and the numbers PLACE_FIELDS
        (station and hypocentre coordinates, magnitude) from the record's columns."""
        base = {k: str(columns[k]) for k in META_COLUMNS if k in columns}
        base.update({k: columns[k] for k in PLACE_FIELDS if k in columns})
        channels = base.pop("channel", "").split(",")
        if len(channels) != n_channels:
            channels = [""] * n_channels
        return [{**base, "channel": c} for c in channels]

    def flush(self) -> None:
        pass
