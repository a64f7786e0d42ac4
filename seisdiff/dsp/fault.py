"""A planar rectangular rupture (a BBP simple source description, `io.bbp_src`) and distances to it.

Geometry (Aki & Richards): strike θ clockwise from north, the plane dipping at δ to the right of the strike
direction; the top edge, of length L, is centred on (LAT_TOP_CENTER, LON_TOP_CENTER) at depth Z_tor; the plane
reaches W down dip. Positions are taken in a local flat frame about that centre (x east, y north, km; z down,
km): the azimuthal equidistant projection of a unit sphere, its east component scaled by the WGS84 ellipsoid's
radius of curvature across the meridian at the centre, its north one by that along the meridian — so that near the
centre lengths are the ellipsoid's, and distances from it agree with WGS84's geodesic within 0.03 % to 300 km. The
hypocentre is placed the way the Platform's xy2ll does it (HYPO_ALONG_STK along x = strike, HYPO_DOWN_DIP cos δ
across, about the top centre).

- `corners`: the rectangle's four corners (lat, lon, depth_km).
- `rjb_km`: Joyner–Boore distance, to the rupture's surface projection (0 above it).
- `rrup_km`: rupture distance, to the nearest point of the plane.
- `hypocentre`: (lat, lon, depth_km) of HYPO_ALONG_STK, HYPO_DOWN_DIP.
"""
from __future__ import annotations

import numpy as np

WGS84_A_KM = 6378.137                                   # equatorial radius
WGS84_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)   # first eccentricity squared


def radii_km(lat0_deg: float) -> tuple[float, float]:
    """(across the meridian N, along it M) WGS84 radii of curvature, km, at latitude lat0."""
    w2 = 1.0 - WGS84_E2 * np.sin(np.radians(lat0_deg)) ** 2
    return WGS84_A_KM / np.sqrt(w2), WGS84_A_KM * (1.0 - WGS84_E2) / w2 ** 1.5


def project_km(lat_deg, lon_deg, lat0_deg: float, lon0_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """(x east, y north) km of points about (lat0, lon0) (the module docstring's frame)."""
    phi0, lam0 = np.radians(lat0_deg), np.radians(lon0_deg)
    phi, dlam = np.radians(np.asarray(lat_deg, np.float64)), np.radians(np.asarray(lon_deg, np.float64)) - lam0
    hav = np.sin((phi - phi0) / 2) ** 2 + np.cos(phi0) * np.cos(phi) * np.sin(dlam / 2) ** 2
    central = 2 * np.arcsin(np.sqrt(np.clip(hav, 0.0, 1.0)))
    azimuth = np.arctan2(np.sin(dlam) * np.cos(phi), np.cos(phi0) * np.sin(phi) - np.sin(phi0) * np.cos(phi) * np.cos(dlam))
    across_km, along_km = radii_km(lat0_deg)
    return across_km * central * np.sin(azimuth), along_km * central * np.cos(azimuth)


def unproject_deg(x_km, y_km, lat0_deg: float, lon0_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) degrees of points (x east, y north) km about (lat0, lon0): the inverse of `project_km`; lon in
    (−180, 180]."""
    phi0, lam0 = np.radians(lat0_deg), np.radians(lon0_deg)
    across_km, along_km = radii_km(lat0_deg)
    east, north = np.asarray(x_km, np.float64) / across_km, np.asarray(y_km, np.float64) / along_km
    central, azimuth = np.hypot(east, north), np.arctan2(east, north)
    phi = np.arcsin(np.clip(np.sin(phi0) * np.cos(central) + np.cos(phi0) * np.sin(central) * np.cos(azimuth), -1, 1))
    lam = lam0 + np.arctan2(np.sin(azimuth) * np.sin(central) * np.cos(phi0),
                            np.cos(central) - np.sin(phi0) * np.sin(phi))
    lon = (np.degrees(lam) + 180.0) % 360.0 - 180.0
    return np.degrees(phi), np.where(lon == -180.0, 180.0, lon)


def _axes(source) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(top centre (3,), strike unit vector (3,), down-dip unit vector (3,)) in the local frame (x, y, z down), km."""
    strike, dip = np.radians(source.strike_deg), np.radians(source.dip_deg)
    along = np.array([np.sin(strike), np.cos(strike), 0.0])
    down = np.array([np.cos(dip) * np.cos(strike), -np.cos(dip) * np.sin(strike), np.sin(dip)])  # right of strike
    return np.array([0.0, 0.0, source.depth_to_top_km]), along, down


def _origin(source) -> tuple[float, float]:
    return source.lat_top_center_deg, source.lon_top_center_deg


def _to_geographic(source, points_km: np.ndarray) -> np.ndarray:
    """(..., 3) local points → (..., 3) (lat, lon, depth_km)."""
    lat, lon = unproject_deg(points_km[..., 0], points_km[..., 1], *_origin(source))
    return np.stack([lat, lon, points_km[..., 2]], axis=-1)


def corners(source) -> np.ndarray:
    """(4, 3) (lat, lon, depth_km) of the rupture's corners: top start, top end (the strike direction), bottom end,
    bottom start."""
    top, along, down = _axes(source)
    half, width = source.fault_length_km / 2, source.fault_width_km
    local = np.stack([top - half * along, top + half * along, top + half * along + width * down,
                      top - half * along + width * down])
    return _to_geographic(source, local)


def hypocentre(source) -> tuple[float, float, float]:
    """(lat, lon, depth_km) of the hypocentre: HYPO_ALONG_STK along strike from the top edge's centre, HYPO_DOWN_DIP
    down dip from the top edge."""
    top, along, down = _axes(source)
    lat, lon, depth = _to_geographic(source, top + source.hypo_along_stk_km * along + source.hypo_down_dip_km * down)
    return float(lat), float(lon), float(depth)


def _station_frame(source, lat_deg, lon_deg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stations' (along strike from the top centre, horizontal distance perpendicular to strike towards the dip
    (the hanging wall's side positive), their local (k, 3) positions at the surface), km."""
    x, y = project_km(lat_deg, lon_deg, *_origin(source))
    position = np.stack([np.atleast_1d(x), np.atleast_1d(y), np.zeros(np.size(x))], axis=-1)
    _, along, _ = _axes(source)
    horizontal = np.array([along[1], -along[0], 0.0])            # 90° clockwise of the strike: the dip's side
    return position @ along, position @ horizontal, position


def rjb_km(source, lat_deg, lon_deg) -> np.ndarray:
    """(k,) Joyner–Boore distance, km, of stations (lat, lon) (k,): to the rupture's surface projection (a rectangle
    L × W cos δ beside the top edge's trace, on the dip side), 0 above it."""
    s, t, _ = _station_frame(source, lat_deg, lon_deg)
    half, reach = source.fault_length_km / 2, source.fault_width_km * np.cos(np.radians(source.dip_deg))
    ds = np.maximum(np.abs(s) - half, 0.0)
    dt = np.maximum(np.maximum(-t, t - reach), 0.0)
    return np.hypot(ds, dt)


def rrup_km(source, lat_deg, lon_deg) -> np.ndarray:
    """(k,) rupture distance, km, of stations (lat, lon) (k,) at the surface: to the nearest point of the plane."""
    _, _, position = _station_frame(source, lat_deg, lon_deg)
    top, along, down = _axes(source)
    relative = position - top
    a = np.clip(relative @ along, -source.fault_length_km / 2, source.fault_length_km / 2)
    b = np.clip(relative @ down, 0.0, source.fault_width_km)
    nearest = top + a[:, None] * along + b[:, None] * down
    return np.linalg.norm(position - nearest, axis=-1)
