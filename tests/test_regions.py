"""Regions for grouped cross-validation: every earthquake of the shared strong-motion folder lands in
the region its README names, by coordinates or by network alone."""
import csv
import re

import pytest

from seisdiff.preprocess.regions import REGIONS, record_region, region_of

# README table: region of each event (country → the fold)
COUNTRY_REGION = {"Japan": "japan", "Taiwan": "taiwan", "New Zealand": "new_zealand", "Chile": "chile_mexico",
                  "Mexico": "chile_mexico", "Turkey": "mediterranean_middle_east",
                  "Turkey/Greece": "mediterranean_middle_east", "Greece": "mediterranean_middle_east",
                  "Croatia": "mediterranean_middle_east", "Iran": "mediterranean_middle_east"}


@pytest.mark.parametrize("lat, lon, region", [
    (24.13, 121.66, "taiwan"), (24.5, 123.0, "japan"), (41.1, 142.4, "japan"), (-42.7, 173.1, "new_zealand"),
    (-36.1, -72.9, "chile_mexico"), (18.55, -98.49, "chile_mexico"), (32.26, -115.29, "western_us"),
    (61.3, -150.0, "western_us"), (19.4, -155.0, "western_us"), (45.9, 15.97, "mediterranean_middle_east"),
    (38.3, 46.8, "mediterranean_middle_east"), (0.0, 0.0, ""), (float("nan"), 10.0, ""),
    (-42.7, -186.9, "new_zealand"),    # longitudes wrap
])
def test_points(lat, lon, region):
    assert region_of(lat, lon) == region


def test_network_fallback_and_station_first():
    assert region_of(network="C") == "chile_mexico" and region_of(network="XX") == ""
    meta = {"sta_lat": 24.0, "sta_lon": 121.5, "hypo_lat": 41.0, "hypo_lon": 142.0}
    assert record_region(meta) == "taiwan"
    assert record_region({"hypo_lat": 41.0, "hypo_lon": 142.0}) == "japan"
    assert record_region({}, network="TW") == "taiwan"


def test_every_shared_event_in_its_region(strongmotion_dir):
    countries = {}
    for line in (strongmotion_dir / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 5 and cells[1][:8].isdigit():
            for folder in re.sub(r"\s*\(.*?\)", "", cells[1]).split(","):   # "…376 (192 km deep)"
                countries[folder.strip()] = cells[5]
    with open(strongmotion_dir / "manifest.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len({r["event"] for r in rows}) == 37
    for row in rows:
        country = countries[row["event"]]
        want = COUNTRY_REGION.get(country, "western_us")   # the USA's events: California … Alaska, Hawaii
        got = record_region({"sta_lat": float(row["sta_lat"]), "sta_lon": float(row["sta_lon"]),
                             "hypo_lat": float(row["hypo_lat"]), "hypo_lon": float(row["hypo_lon"])})
        assert got == want, f"{row['path']}: {got} (README: {country})"
        assert got in REGIONS
        assert region_of(network=row["network"]) in ("", want)
