"""Per-record metadata from a CSV keyed by record id, file stem or PEER RSN, per event or per station.

The CSV is text as spreadsheets save it: UTF-8 (with or without a BOM), UTF-16 with a BOM, else Windows-1252; a binary
file is refused in one line. PEER's `_SearchResults.csv` (the NGA-West2 web tool's search results, several sections) is
read from its table of records ("-- Summary of Metadata of Selected Records --"). A cell of -999 (the NGA-West2 flatfile's "not available") is unknown, as an empty one; a
negative distance or κ and a Vs30 not above 0 are refused in one line (file, row, column).

A CSV with a record_id or RSN column describes records. A CSV with an event column and neither of
those describes whole events (typically the magnitude and the hypocentre). A CSV with a station
column (and optionally network) and none of those describes stations (a station list: coordinates,
Vs30). Each field of a record comes from, in order: the record's row, what its own file carries (K-NET
and SAC headers), its station's row (network.station, else the station code alone), its event's row
(names match case-insensitively); NaN when none knows it.

Recognised headers (case-insensitive, PEER's NGA-West2 flatfile and search results spellings among them):
record_id | rsn | record sequence number | event | event_id | earthquake name | station (with network);
magnitude | mw | mag | earthquake magnitude;
a distance (DISTANCE_COLUMNS), stored as `distance_km` with its kind (`distance_kind`) as the column is named:
hypocentral hypd (km) | rhypo (km), rupture rrup (km) | clstd (km), joyner_boore rjb (km) | joyner-boore dist. (km),
epicentral repi (km) | epid (km) (hypd, rhypo, rrup, clstd, rjb, repi, epid also as `<name>_km` and `<name>`), "" unknown for a plain
`distance_km` or `distance` column, unless a `distance_kind` column says, per row: one of those, or rhypo, hypd,
rrup, clstd, rjb, repi, epid; a named column's rows may leave it empty, not contradict it. A CSV with several distance
columns (the flatfile has four) is read from one, the others ignored: `distance_km`, else a hypocentral one (the
distance the level model was fitted on), else rupture, Joyner–Boore, epicentral, a plain `distance`. A CSV without any
of these whose header looks like a distance, e.g. Rx, r_hyp, dist, gets one warning line;
vs30_mps | vs30 (m/s) | vs30 (m/sec) | vs30 (m/s) selected for analysis | vs30;
kappa_s | kappa (s) | kappa (the record's high-frequency decay κ in s, site κ0 plus path: dsp/kappa.py);
hypo_lat, hypo_lon (degrees), hypo_depth_km | evla, evlo, evdp | Hypocenter Latitude (deg), Hypocenter Longitude (deg),
Hypocenter Depth (km) (per event or per record: the hypocentre) and sta_lat, sta_lon | stla, stlo | Station Latitude,
Station Longitude (per record or per station), stored (PLACE_COLUMNS) as the record's row, its file,
its station's or its event's row gives each position, latitude and longitude together. A record whose distance no source gives
gets its hypocentral distance from a hypocentre (the record's row, else its file, else its event's
row: each a whole lat, lon and depth) and its station's coordinates (its row, else its file, else its
station's row), e.g. an event catalogue's hypocentres for MiniSEED + StationXML records, whose files
say where the station is but not where the earthquake was, and a station list for RENADIC's, which
say neither; a record's row that places the hypocentre or the station also takes the distance
from those places over the one its file's header gives;
event | event_id | earthquake name (PEER's; the first a CSV has; in a per-record CSV: text that overrides the event
named in the file, used to split training data by event; `events.csv_event_names` gives it to the records of the same
header event the CSV does not list); region (text, per record or per event: overrides the region
found from the file's coordinates or network, `preprocess/regions.py`, for files that carry neither, e.g. PEER AT2).
"""
from __future__ import annotations

import csv
import io
import math
import re
import sys
from pathlib import Path

from seisdiff.dsp.bssa14 import DISTANCE_KINDS, EPICENTRAL, HYPOCENTRAL, JOYNER_BOORE, RUPTURE
from seisdiff.errors import UserError

# the distance columns (lower case) and which distance each holds (the store's `distance_kind`; "": a plain column,
# unless the CSV's `distance_kind` column says), in the order a CSV with several is read (the first it has, the others
# not): the store's own `distance_km`, any hypocentral one (the distance the level model was fitted on: headers' and
# places' distances are hypocentral, as NGA-West2's HypD), the rupture, Joyner–Boore and epicentral distances, a plain
# `distance`. PEER's spellings: the NGA-West2 flatfile's HypD, EpiD, ClstD (R_rup), "Joyner-Boore Dist." (km), its
# search results' Rjb, Rrup (km)
DISTANCE_COLUMNS = (
    ("distance_km", ""),
    *((name, HYPOCENTRAL) for name in ("hypd (km)", "hypd_km", "hypd", "rhypo (km)", "rhypo_km", "rhypo")),
    *((name, RUPTURE) for name in ("rrup (km)", "rrup_km", "rrup", "clstd (km)", "clstd_km", "clstd")),
    *((name, JOYNER_BOORE) for name in ("rjb (km)", "rjb_km", "rjb", "joyner-boore dist. (km)")),
    *((name, EPICENTRAL) for name in ("repi (km)", "repi_km", "repi", "epid (km)", "epid_km", "epid")),
    ("distance", ""),
)
ALIASES = {
    "magnitude": ("magnitude", "mw", "mag", "earthquake magnitude"),
    "distance_km": tuple(name for name, _ in DISTANCE_COLUMNS),
    "vs30_mps": ("vs30_mps", "vs30 (m/s)", "vs30", "vs30 (m/sec)", "vs30 (m/s) selected for analysis"),
    "kappa_s": ("kappa_s", "kappa (s)", "kappa"),
}
COLUMNS = tuple(ALIASES) + ("hypo_depth_km",)   # the store's per-record columns; the depth: the level model's
# the store's per-record coordinates (degrees, NaN unknown): where the station and the event's hypocentre are
# (`evaluate --gmm --src` places each station against a rupture; SAC outputs' stla … evlo)
PLACE_COLUMNS = ("sta_lat", "sta_lon", "hypo_lat", "hypo_lon")
# which distance each distance column holds (DISTANCE_COLUMNS); "": a plain column, unless the CSV's `distance_kind`
# column says (DISTANCE_KINDS, or the short names of KIND_NAMES)
COLUMN_KIND = dict(DISTANCE_COLUMNS)
# a header that looks like a distance (Rx, Ry0, dist, hypo_distance, r_hyp, …) but is none of ALIASES: its values
# would be ignored, so a CSV without a recognised distance column that has one gets a warning line (`_distance_alias`)
DISTANCE_LIKE = re.compile(r"^r[ _]?(hypo?|epi|rup|jb|x|y ?0)(?![a-z])|^(hyp|epi|clst)d(?![a-z])|dist")
KIND_NAMES = {**{k: k for k in DISTANCE_KINDS}, "hypd": HYPOCENTRAL, "rhypo": HYPOCENTRAL, "repi": EPICENTRAL,
              "epid": EPICENTRAL, "rjb": JOYNER_BOORE, "rrup": RUPTURE, "clstd": RUPTURE, "unknown": "", "": ""}
# where the distance is not given: computed from a hypocentre and the station's coordinates (`lookup`)
PLACES = {   # each also as the NGA-West2 flatfile spells it
    "hypo_lat": ("hypo_lat", "evla", "hypocenter latitude (deg)"),
    "hypo_lon": ("hypo_lon", "evlo", "hypocenter longitude (deg)"),
    "hypo_depth_km": ("hypo_depth_km", "evdp", "hypocenter depth (km)"),
    "sta_lat": ("sta_lat", "stla", "station latitude"), "sta_lon": ("sta_lon", "stlo", "station longitude"),
}
HYPOCENTRE = ("hypo_lat", "hypo_lon", "hypo_depth_km")
STATION = ("sta_lat", "sta_lon")
SEARCH_RESULTS_TABLE = "-- Summary of Metadata of Selected Records --"   # PEER's _SearchResults.csv: its records
MISSING = -999.0       # PEER's NGA-West2 flatfile's "not available": read as unknown (NaN)
EVENT_COLUMNS = ("event", "event_id", "earthquake name")   # the first a CSV has: PEER's flatfile and search results
EVENT_KEY = "event:"  # prefix of the keys of per-event rows
STATION_KEY = "station:"  # … of per-station rows: 'station:<network>.<station>' or 'station:<station>', lower case


def load_metadata_csv(path: str | Path) -> dict[str, dict[str, float]]:
    """{key: {magnitude, distance_km, vs30_mps, kappa_s and, where the CSV has them, the PLACES}} where
    key is a record id/stem, 'RSN<n>', for a per-event CSV 'event:<name, lower case>', for a station
    list STATION_KEY + '<network>.<station>' (or '<station>' without a network column), lower case."""
    path = Path(path)
    try:
        rows = list(csv.DictReader(io.StringIO(_search_results_table(_csv_text(path, path.read_bytes())), newline="")))
    except OSError as exc:
        raise UserError(f"{path}: cannot read metadata CSV ({exc.strerror})") from None
    if not rows:
        return {}
    header = {h.strip().lower(): h for h in rows[0].keys() if h}
    event_col = next((header[a] for a in EVENT_COLUMNS if a in header), None)
    station_col, network_col = header.get("station"), header.get("network")
    rsn_col = header.get("rsn") or header.get("record sequence number")      # PEER's flatfile and search results
    key_col = header.get("record_id") or rsn_col or event_col or station_col
    if key_col is None:
        names = list(rows[0].keys())[:20]
        raise UserError(f"{path}: metadata CSV needs a 'record_id', 'RSN', 'event' or 'station' column "
                        f"(found {names if str(names).isprintable() else ascii(names)})")
    per_event, per_station = key_col == event_col, key_col == station_col
    found = {name: next((header[a] for a in aliases if a in header), None)
             for name, aliases in (ALIASES | PLACES).items()}
    distance_alias = _distance_alias(path, header)
    kind_col = header.get("distance_kind")
    if kind_col and distance_alias is None:
        raise UserError(f"{path}: a 'distance_kind' column without a distance column (distance_km, or one named "
                        "by its distance: hypd (km), rrup (km), rjb (km), repi (km), …): it says which distance that "
                        "column holds")
    table = {}
    for row in rows:
        key = _text(row[key_col])
        if not key:
            continue
        values = {name: _cell(row.get(col)) for name, col in found.items() if col}
        _check_place(path, key, values)
        _check_values(path, key, values, found)
        if distance_alias:
            values["distance_kind"] = _distance_kind(path, key, row.get(kind_col) if kind_col else "",
                                                     found["distance_km"], COLUMN_KIND[distance_alias])
        region = _text(row.get(header["region"])) if "region" in header else ""
        values.update({"region": region} if region else {})
        if per_event:
            table[EVENT_KEY + key.lower()] = {"name": key, **values}
            continue
        if per_station:
            network = _text(row.get(network_col)) if network_col else ""
            table[STATION_KEY + (f"{network}.{key}" if network else key).lower()] = values
            continue
        if key_col == rsn_col:
            key = f"RSN{int(float(key))}"
        table[key] = values
        if event_col and _text(row.get(event_col)):
            table[key]["event"] = _text(row[event_col])
    return table


def _csv_text(path: Path, data: bytes) -> str:
    """The text of a metadata CSV: UTF-8 (a BOM, as Excel's "CSV UTF-8" writes, dropped), UTF-16 with its BOM, else
    Windows-1252 (Excel's plain "CSV": accented station or event names); UserError (one line) for a binary file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\0" in data or data.startswith(b"\x1f\x8b"):
        raise UserError(f"{path}: not a text file (binary or compressed bytes); give --metadata a CSV: a header row "
                        "(record_id or RSN, event or station, magnitude, hypd (km), vs30, …) and one row per record")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _search_results_table(text: str) -> str:
    """The table of records of a PEER ground-motion database `_SearchResults.csv` (the lines after its
    SEARCH_RESULTS_TABLE line, to the first blank one; the file's other sections are search settings and spectra);
    any other CSV's text as it is."""
    lines = text.splitlines()
    start = next((i + 1 for i, line in enumerate(lines) if line.split(",")[0].strip() == SEARCH_RESULTS_TABLE), None)
    if start is None:
        return text
    end = next((i for i in range(start, len(lines)) if not lines[i].replace(",", "").strip()), len(lines))
    return "\n".join(lines[start:end]) + "\n"


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
    gives from a hypocentre and the station's coordinates (`_distance_from_places`), with "distance_kind"
    (`_distance`: the header's and the places' distance is hypocentral, a CSV row's its column's); the
    PLACE_COLUMNS, each position as a whole (`_places`). "event" only when
    the record's row names one, "region" when its row or its event's row does. A record's row that
    places the hypocentre or the station (and gives no distance) gives the distance from those places,
    over the one the file's header gives. default_event: the event
    row of a record whose event has none (e.g. `sample --hypocenter --magnitude` for its files)."""
    entry = next((table[k] for k in record_ids if k in table), None)
    entry = entry or (table.get(f"RSN{int(rsn)}") if rsn not in (None, "") else None) or {}
    # its event's row: by the event's name, else by the name its file gives (`events.rename_events`)
    per_event = next((table[EVENT_KEY + name.strip().lower()] for name in (
        entry.get("event", event), (from_file or {}).get("event_in_file", "")) if name
        and EVENT_KEY + name.strip().lower() in table), None) or default_event or {}
    per_station = (table.get(STATION_KEY + f"{network}.{station}".lower())
                   or table.get(STATION_KEY + station.lower(), {})) if station else {}
    from_file = from_file or {}
    out = {name: _first_known(entry.get(name), from_file.get(name), per_station.get(name), per_event.get(name))
           for name in COLUMNS}
    out["distance_km"], out["distance_kind"] = _distance(entry, from_file, per_event, per_station)
    out.update(_places(entry, from_file, per_event, per_station))
    if "event" in entry:
        out["event"] = entry["event"]
    if region := entry.get("region") or per_event.get("region"):
        out["region"] = region
    return out


def _distance(entry: dict, from_file: dict, per_event: dict, per_station: dict) -> tuple[float, str]:
    """(distance km, its kind: `dsp.bssa14.DISTANCE_KINDS` or "" unknown) of one record: the hypocentral distance
    from the places of a record's row that places the hypocentre or the station and gives no distance (over the
    one its file's header gives); else the first source that gives one (the record's row, its file's header,
    its station's row, its event's row) with that source's kind; else the hypocentral distance from places."""
    if math.isnan(_first_known(entry.get("distance_km"))) and _gives_place(entry):
        from_row = _distance_from_places(entry, from_file, per_event, per_station)
        if math.isfinite(from_row):
            return from_row, HYPOCENTRAL
    for source in (entry, from_file, per_station, per_event):
        if math.isfinite(distance_km := _first_known(source.get("distance_km"))):
            return distance_km, source.get("distance_kind", "")
    distance_km = _distance_from_places(entry, from_file, per_event, per_station)
    return distance_km, HYPOCENTRAL if math.isfinite(distance_km) else ""


def _distance_alias(path: Path, header: dict) -> str | None:
    """The recognised distance column among a CSV's headers (lower case → as written), the first of
    ALIASES["distance_km"]; None when it has none, with one warning line on stderr naming the headers that look like a
    distance (DISTANCE_LIKE) but are not recognised, whose values would otherwise be dropped without a word."""
    alias = next((a for a in ALIASES["distance_km"] if a in header), None)
    unknown = [header[h] for h in header if alias is None and DISTANCE_LIKE.search(h)]
    if unknown:
        print(f"preprocess: warning: {path}: column{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
              f"look{'' if len(unknown) > 1 else 's'} like a distance but {'are' if len(unknown) > 1 else 'is'} not "
              f"one preprocess reads: the records' distance is left unknown; rename it to one of hypd (km), rrup (km), "
              f"rjb (km), repi (km) (in km; the name says which distance), or distance_km with a distance_kind column",
              file=sys.stderr)
    return alias


def _distance_kind(path: Path, key: str, given, column: str, column_kind: str) -> str:
    """The kind of a CSV row's distance: its column's (COLUMN_KIND), else the row's `distance_kind` value (KIND_NAMES);
    UserError for a value not among them, or one that contradicts a named column."""
    name = (given or "").strip().lower()
    if name not in KIND_NAMES:
        raise UserError(f"{path}: row {key!r}: distance_kind {given!r} is not one of {', '.join(DISTANCE_KINDS)} "
                        "(or empty: unknown); say which distance the row's distance column holds")
    if column_kind and KIND_NAMES[name] not in ("", column_kind):
        raise UserError(f"{path}: row {key!r}: distance_kind {given!r} contradicts the column {column!r}, which holds "
                        f"the {column_kind} distance; correct or remove one of them")
    return column_kind or KIND_NAMES[name]


def _places(entry: dict, from_file: dict, per_event: dict, per_station: dict) -> dict:
    """{sta_lat, sta_lon} from the first source that gives both (the record's row, its file, its station's row)
    and {hypo_lat, hypo_lon} likewise (the record's row, its file, its event's row), degrees; NaN where none does."""
    def whole(keys, *sources):
        return next(([float(s[k]) for k in keys] for s in sources
                     if all(s.get(k) is not None and math.isfinite(float(s[k])) for k in keys)), [math.nan] * len(keys))

    return dict(zip(PLACE_COLUMNS, whole(STATION, entry, from_file, per_station)
                    + whole(("hypo_lat", "hypo_lon"), entry, from_file, per_event)))


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


def _check_values(path: Path, key: str, values: dict, found: dict) -> None:
    """UserError (file, row, column, what to do) for a negative distance or κ, or a Vs30 not above 0."""
    for name, lowest, strict in (("distance_km", 0.0, False), ("kappa_s", 0.0, False), ("vs30_mps", 0.0, True)):
        v = values.get(name, math.nan)
        if v < lowest or (strict and v == lowest):
            raise UserError(f"{path}: row {key!r}: {found[name]} {v:g} is not a {name.split('_')[0]} "
                            f"({'above' if strict else 'at least'} {lowest:g}); correct it, or leave the cell empty "
                            f"(or {MISSING:g}, PEER's code) where it is unknown")


def _first_known(*values) -> float:
    return next((float(v) for v in values if v is not None and not math.isnan(v)), math.nan)


def _text(cell) -> str:
    """A CSV cell's text without surrounding blanks and the quotes PEER's search results put inside the cell (its
    Earthquake Name and Station Name cells read as ` "Landers"`); '' for a missing cell."""
    text = (cell or "").strip()
    return text[1:-1].strip() if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _cell(text) -> float:
    """A CSV cell's number; NaN where it is empty, no number or MISSING (PEER's "not available")."""
    value = _float(text)
    return math.nan if value == MISSING else value


def _float(text) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan
