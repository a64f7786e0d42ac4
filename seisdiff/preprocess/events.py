"""Event names by folder: the `<event>/<files>` layout most collections use (gmprocess, ESM, CESMD).

Training splits by event, so every record needs its earthquake's name, and the records of one
earthquake need one name whatever their format: miniSEED carries none, and networks' headers give
their own origin times. `event_from`:
  header   Record.event as the reader found it ('' when the file has none);
  folder   the name of the folder holding each file;
  auto     (default) folder for files found in a subfolder of a folder given as input, header otherwise.
A record named by its folder gets the folder in its id (`<event>.<record id>`), since one station's
channel codes (NET.STA.LOC.CHA) repeat from event to event.
"""
from __future__ import annotations

from pathlib import Path

from seisdiff.errors import UserError

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
