"""Event names by folder: the `<event>/<files>` layout most collections use (gmprocess, ESM, CESMD).

Training splits by event, so every record needs its earthquake's name, and the records of one
earthquake need one name whatever their format: miniSEED carries none, and networks' headers give
their own origin times. `event_from`:
  header   Record.event as the reader found it ('' when the file has none);
  folder   the name of the folder holding each file;
  auto     (default) folder for files found in a subfolder of a folder given as input, header otherwise.
A record named by its folder gets the folder in its id (`<event>.<record id>`), since one station's
channel codes (NET.STA.LOC.CHA) repeat from event to event.

A `--metadata` CSV that names the events of some records (PEER's `Earthquake Name`: 'Chuetsu-oki_ Japan') and not
others (a partial download) would leave the others with their header's name ('Chuetsu-oki'): one earthquake, two
events. `csv_event_names` reads the header of each listed PEER file (its first lines) and gives each header event
(name and date) the CSV's name for it, which `rename_events` then gives the records the CSV does not list; a header
event the CSV names two ways keeps its header's name on those records, with one line saying so.
"""
from __future__ import annotations

import re
from pathlib import Path

from seisdiff.errors import UserError
from seisdiff.io.at2 import read_at2_event

_RSN = re.compile(r"^RSN(\d+)_", re.I)   # PEER's file names: RSN<record sequence number>_<event>_<station…>

EVENT_FROM = ("auto", "header", "folder")


def folder_events(inputs: list[str], paths: list[Path], event_from: str = "auto") -> dict[Path, str]:
    """{file (resolved): event name} for the files whose event comes from their folder."""
    if event_from not in EVENT_FROM:
        raise UserError(f"--event-from {event_from!r}: choose one of {', '.join(EVENT_FROM)}")
    if event_from == "header":
        return {}
    if event_from == "folder":
        return {p.resolve(): p.resolve().parent.name for p in paths}
    roots = [Path(i).resolve() for i in inputs if Path(i).is_dir()]
    events = {}
    for path in paths:
        full = path.resolve()
        for root in roots:
            if full.is_relative_to(root) and len(full.relative_to(root).parts) >= 2:
                events[full] = full.parent.name
                break
    return events


def name_by_folder(records: list, event: str) -> None:
    """Give each record (in place) the folder's event name, and the event in its id (the id without it
    stays in metadata["record_id_in_file"], which metadata CSVs may still use)."""
    for rec in records:
        rec.metadata["record_id_in_file"] = rec.record_id
        rec.event = event
        rec.record_id = f"{event}.{rec.record_id}"


def csv_event_names(paths, table: dict) -> tuple[dict[tuple[str, str], str], list[str]]:
    """({(header event lower case, date): the CSV's name} for the header events of the PEER files among `paths` whose
    row (by file stem or RSN) in the metadata `table` names an event; a line for each header event the CSV names in
    two ways or more, which is left out of the mapping)."""
    names: dict[tuple[str, str], set[str]] = {}
    spelled = {}   # each header event as its first file writes it
    for path in paths:
        path = Path(path)
        rsn = _RSN.match(path.stem)
        entry = table.get(path.stem) or (table.get(f"RSN{int(rsn.group(1))}") if rsn else None) or {}
        header = read_at2_event(path) if entry.get("event") else None
        if header and header[0].strip():
            key = (header[0].strip().lower(), header[1])
            names.setdefault(key, set()).add(entry["event"])
            spelled.setdefault(key, header[0].strip())
    undecided = [f"metadata: the files of event '{spelled[key]}'{f' ({key[1]})' if key[1] else ''} are named "
                 f"{' and '.join(map(repr, sorted(csv_names)))} by the metadata CSV: its records the CSV does not "
                 f"list keep '{spelled[key]}'; give all its records one name (or list them all)"
                 for key, csv_names in sorted(names.items()) if len(csv_names) > 1]
    return {key: csv_names.pop() for key, csv_names in names.items() if len(csv_names) == 1}, undecided


def rename_events(records: list, names: dict[tuple[str, str], str]) -> None:
    """Give each record (in place) whose header event (name, date) the metadata CSV names (`csv_event_names`) that
    name; its header's name stays in metadata["event_in_file"]."""
    for rec in records:
        name = names.get((rec.event.strip().lower(), rec.metadata.get("event_date", "")))
        if name is not None and name != rec.event:
            rec.metadata["event_in_file"] = rec.event
            rec.event = name
