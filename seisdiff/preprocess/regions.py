"""Tectonic regions for grouped cross-validation: a model for scenario earthquakes is judged on
regions it never saw (issue: realistic high frequencies on unseen earthquakes).

A record's region comes from its station's coordinates (else its hypocentre's), by the boxes below;
where a header gives neither (RENADIC, most analog files) from its network code. The six regions are
the issue's folds: Japan, Taiwan, New Zealand, Chile and Mexico (Latin America south of 32° N),
Mediterranean and Middle East, western US (western North America with Alaska and Hawaii).
Boxes are checked in order: Taiwan before Japan (the Ryukyu arc reaches 123° E).
"""
from __future__ import annotations

import math

REGIONS = ("japan", "taiwan", "new_zealand", "chile_mexico", "mediterranean_middle_east", "western_us")

# (region, lat_min, lat_max, lon_min, lon_max), degrees
_BOXES = (
    ("taiwan", 21.0, 26.5, 119.0, 122.6),
    ("japan", 24.0, 46.0, 122.6, 150.0),
    ("new_zealand", -48.0, -33.0, 165.0, 180.0),
    ("chile_mexico", -60.0, 32.0, -120.0, -30.0),
    ("mediterranean_middle_east", 25.0, 48.0, -10.0, 65.0),
    ("western_us", 18.0, 72.0, -170.0, -100.0),
)
# FDSN network codes of the strong-motion networks whose headers may lack coordinates
_NETWORKS = {"BO": "japan", "TW": "taiwan", "NZ": "new_zealand", "C": "chile_mexico", "C1": "chile_mexico",
             "MG": "chile_mexico", "TK": "mediterranean_middle_east", "I1": "mediterranean_middle_east",
             "HL": "mediterranean_middle_east", "HI": "mediterranean_middle_east",
             "SL": "mediterranean_middle_east", "CE": "western_us", "CI": "western_us", "BK": "western_us",
             "NC": "western_us", "AZ": "western_us", "UU": "western_us", "UW": "western_us",
             "AK": "western_us", "NP": "western_us"}


def region_of(lat=None, lon=None, network: str = "") -> str:
    """The region of a point (degrees; NaN/None = unknown), else of a network code; '' when neither
    tells."""
    if lat is not None and lon is not None and math.isfinite(float(lat)) and math.isfinite(float(lon)):
        lon = (float(lon) + 180.0) % 360.0 - 180.0
        for region, lat_lo, lat_hi, lon_lo, lon_hi in _BOXES:
            if lat_lo <= float(lat) <= lat_hi and lon_lo <= lon <= lon_hi:
                return region
    return _NETWORKS.get(network.strip().upper(), "")


def record_region(metadata: dict, network: str = "") -> str:
    """A record's region from its Record.metadata (sta_lat/sta_lon, else hypo_lat/hypo_lon) or network."""
    for lat_key, lon_key in (("sta_lat", "sta_lon"), ("hypo_lat", "hypo_lon")):
        region = region_of(metadata.get(lat_key), metadata.get(lon_key))
        if region:
            return region
    return region_of(network=network)
