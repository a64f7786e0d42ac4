"""Per-record metadata from a CSV keyed by record id, file stem or PEER RSN, per event or per station.

A CSV with a record_id or RSN column describes records. A CSV with an event column and neither of
those describes whole events (typically the magnitude and the hypocentre). A CSV with a station
column (and optionally network) and none of those describes stations (a station list: coordinates,
Vs30). Each field of a record comes from, in order: the record's row, what its own file carries (K-NET
and SAC headers), its station's row (network.station, else the station code alone), its event's row
(names match case-insensitively); NaN when none knows it.

Recognised headers (case-insensitive): record_id | rsn | event | station (with network); magnitude | mw | mag;
distance_km | hypd (km) | rrup (km) | rjb (km) | repi (km) | distance; vs30_mps | vs30 (m/s) | vs30;
kappa_s | kappa (s) | kappa (the record's high-frequency decay κ in s, site κ0 plus path: dsp/kappa.py);
hypo_lat, hypo_lon (degrees), hypo_depth_km | evla, evlo, evdp (per event or per record: the hypocentre)
and sta_lat, sta_lon | stla, stlo (per record or per station). A record whose distance no source gives
gets its hypocentral distance from a hypocentre (the record's row, else its file, else its event's
row: each a whole lat, lon and depth) and its station's coordinates (its row, else its file, else its
station's row), e.g. an event catalogue's hypocentres for MiniSEED + StationXML records, whose files
say where the station is but not where the earthquake was, and a station list for RENADIC's, which
say neither; a record's row that places the hypocentre or the station also takes the distance
from those places over the one its file's header gives;
event | event_id (in a per-record CSV: text that overrides the event named in the file, used to split
training data by event); region (text, per record or per event: overrides the region found from the
file's coordinates or network, `preprocess/regions.py`, for files that carry neither, e.g. PEER AT2).
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

from seisdiff.errors import UserError

ALIASES = {
    "magnitude": ("magnitude", "mw", "mag", "earthquake magnitude"),
    "distance_km": ("distance_km", "hypd (km)", "rrup (km)", "rjb (km)", "repi (km)", "rhypo (km)",
                    "distance", "hypd", "rrup", "rjb"),
    "vs30_mps": ("vs30_mps", "vs30 (m/s)", "vs30", "vs30 (m/sec)"),
    "kappa_s": ("kappa_s", "kappa (s)", "kappa"),
}
COLUMNS = tuple(ALIASES) + ("hypo_depth_km",)   # the store's per-record columns; the depth: the level model's
# where the distance is not given: computed from a hypocentre and the station's coordinates (`lookup`)
PLACES = {
    "hypo_lat": ("hypo_lat", "evla"), "hypo_lon": ("hypo_lon", "evlo"), "hypo_depth_km": ("hypo_depth_km", "evdp"),
    "sta_lat": ("sta_lat", "stla"), "sta_lon": ("sta_lon", "stlo"),
}
HYPOCENTRE = ("hypo_lat", "hypo_lon", "hypo_depth_km")
STATION = ("sta_lat", "sta_lon")
EVENT_KEY = "event:"  # prefix of the keys of per-event rows
STATION_KEY = "station:"  # … of per-station rows: 'station:<network>.<station>' or 'station:<station>', lower case


def load_metadata_csv(path: str | Path) -> dict[str, dict[str, float]]:
    """{key: {magnitude, distance_km, vs30_mps, kappa_s and, where the CSV has them, the PLACES}} where
    key is a record id/stem, 'RSN<n>', for a per-event CSV 'event:<name, lower case>', for a station
    list STATION_KEY + '<network>.<station>' (or '<station>' without a network column), lower case."""
    path = Path(path)
    try:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise UserError(f"{path}: cannot read metadata CSV ({exc.strerror})") from None
    if not rows:
        return {}
    header = {h.strip().lower(): h for h in rows[0].keys() if h}
    event_col = header.get("event") or header.get("event_id")
    station_col, network_col = header.get("station"), header.get("network")
    key_col = header.get("record_id") or header.get("rsn") or event_col or station_col
    if key_col is None:
        raise UserError(f"{path}: metadata CSV needs a 'record_id', 'RSN', 'event' or 'station' column "
                        f"(found {list(rows[0].keys())})")
    per_event, per_station = key_col == event_col, key_col == station_col
    found = {name: next((header[a] for a in aliases if a in header), None)
             for name, aliases in (ALIASES | PLACES).items()}
    table = {}
    for row in rows:
        key = (row[key_col] or "").strip()
        if not key:
            continue
        values = {name: _float(row.get(col)) for name, col in found.items() if col}
        _check_place(path, key, values)
        region = (row.get(header["region"]) or "").strip() if "region" in header else ""
        values.update({"region": region} if region else {})
        if per_event:
            table[EVENT_KEY + key.lower()] = {"name": key, **values}
            continue
        if per_station:
            network = (row.get(network_col) or "").strip() if network_col else ""
            table[STATION_KEY + (f"{network}.{key}" if network else key).lower()] = values
            continue
        if key_col == header.get("rsn"):
            key = f"RSN{int(float(key))}"
        table[key] = values
        if event_col and row.get(event_col, "").strip():
            table[key]["event"] = row[event_col].strip()
    return table


def load_metadata_csvs(paths) -> dict[str, dict[str, float]]:
    """Several CSVs merged (later files win for the same key)."""
    table = {}
    for path in paths or []:
        table.update(load_metadata_csv(path))
    return table


def lookup(table: dict, record_ids: list[str], rsn, event: str = "", from_file: dict | None = None,
           station: str = "", network: str = "", default_event: dict | None = None) -> dict:
    """Metadata for one record: each field from the record's row, else `from_file` (what the record's
    own file carries), else its station's row, else its event's row, else NaN; a distance no source
    gives from a hypocentre and the station's coordinates (`_distance_from_places`). "event" only when
    the record's row names one, "region" when its row or its event's row does. A record's row that
    places the hypocentre or the station (and gives no distance) gives the distance from those places,
    over the one the file's header gives. default_event: the event
    row of a record whose event has none (e.g. `sample --hypocenter --magnitude` for its files)."""
    entry = next((table[k] for k in record_ids if k in table), None)
    entry = entry or (table.get(f"RSN{int(rsn)}") if rsn not in (None, "") else None) or {}
    event = entry.get("event", event)
    per_event = (table.get(EVENT_KEY + event.strip().lower()) if event else None) or default_event or {}
    per_station = (table.get(STATION_KEY + f"{network}.{station}".lower())
                   or table.get(STATION_KEY + station.lower(), {})) if station else {}
    from_file = from_file or {}
    out = {name: _first_known(entry.get(name), from_file.get(name), per_station.get(name), per_event.get(name))
           for name in COLUMNS}
    if math.isnan(_first_known(entry.get("distance_km"))) and _gives_place(entry):
        # the record's row places the hypocentre or the station: its distance, not the file's header's
        from_row = _distance_from_places(entry, from_file, per_event, per_station)
        out["distance_km"] = from_row if math.isfinite(from_row) else out["distance_km"]
    if math.isnan(out["distance_km"]):
        out["distance_km"] = _distance_from_places(entry, from_file, per_event, per_station)
    if "event" in entry:
        out["event"] = entry["event"]
    if region := entry.get("region") or per_event.get("region"):
        out["region"] = region
    return out


def _gives_place(entry: dict) -> bool:
    """True when a record's row holds a whole hypocentre or a whole station position."""
    return any(all(entry.get(k) is not None and math.isfinite(float(entry[k])) for k in keys)
               for keys in (HYPOCENTRE, STATION))


def _distance_from_places(entry: dict, from_file: dict, per_event: dict, per_station: dict) -> float:
    """Hypocentral distance (km) from the first whole hypocentre (record row, file, event row) and the
    first whole station position (record row, file, station row); NaN where either is missing."""
    from seisdiff.io.formats.common import hypocentral_distance_km

    def whole(keys, *sources):
        return next(([float(s[k]) for k in keys] for s in sources
                     if all(s.get(k) is not None and math.isfinite(float(s[k])) for k in keys)), None)

    hypocentre, station = whole(HYPOCENTRE, entry, from_file, per_event), whole(STATION, entry, from_file, per_station)
    return math.nan if hypocentre is None or station is None else hypocentral_distance_km(*hypocentre, *station)


def _check_place(path: Path, key: str, values: dict) -> None:
    """UserError (file, row, what is wrong) for a coordinate outside degrees or a depth outside km."""
    for name, bound in (("hypo_lat", 90.0), ("sta_lat", 90.0), ("hypo_lon", 360.0), ("sta_lon", 360.0)):
        if abs(values.get(name, 0.0)) > bound:
            raise UserError(f"{path}: row {key!r}: {name} {values[name]:g} is not a coordinate in degrees "
                            f"(|value| <= {bound:g}); are latitude and longitude swapped, or the column another unit?")
    if values.get("hypo_depth_km", 0.0) < -10.0 or values.get("hypo_depth_km", 0.0) > 800.0:
        raise UserError(f"{path}: row {key!r}: hypo_depth_km {values['hypo_depth_km']:g} is not a depth in km "
                        "(-10 to 800); is the column in metres?")


def _first_known(*values) -> float:
    return next((float(v) for v in values if v is not None and not math.isnan(v)), math.nan)


def _float(text) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan
