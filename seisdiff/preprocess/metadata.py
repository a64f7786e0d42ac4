"""Per-record metadata from a CSV keyed by record id, file stem or PEER RSN.

Recognised headers (case-insensitive): record_id | rsn; magnitude | mw | mag;
distance_km | hypd (km) | rrup (km) | rjb (km) | repi (km) | distance; vs30_mps | vs30 (m/s) | vs30.
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
}
COLUMNS = tuple(ALIASES)


def load_metadata_csv(path: str | Path) -> dict[str, dict[str, float]]:
    """{key: {magnitude, distance_km, vs30_mps}} where key is a record id/stem or 'RSN<n>'."""
    path = Path(path)
    try:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise UserError(f"{path}: cannot read metadata CSV ({exc.strerror})") from None
    if not rows:
        return {}
    header = {h.strip().lower(): h for h in rows[0].keys() if h}
    key_col = header.get("record_id") or header.get("rsn")
    if key_col is None:
        raise UserError(f"{path}: metadata CSV needs a 'record_id' or 'RSN' column "
                        f"(found {list(rows[0].keys())})")
    found = {name: next((header[a] for a in aliases if a in header), None) for name, aliases in ALIASES.items()}
    table = {}
    for row in rows:
        key = row[key_col].strip()
        if not key:
            continue
        if key_col == header.get("rsn"):
            key = f"RSN{int(float(key))}"
        table[key] = {name: _float(row.get(col)) for name, col in found.items() if col}
    return table


def lookup(table: dict, record_id: str, rsn) -> dict[str, float]:
    """Metadata for one record (NaN for what is unknown)."""
    entry = table.get(record_id) or (table.get(f"RSN{int(rsn)}") if rsn not in (None, "") else None) or {}
    return {name: entry.get(name, math.nan) for name in COLUMNS}


def _float(text) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan
