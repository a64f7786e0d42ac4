"""A rectangular rupture's distances (`dsp.fault`) against closed forms: a vertical strike-slip fault (R_JB the
distance to its trace segment), a dipping fault's footwall and hanging wall (Kaklamanos et al. 2011's R_rup cases), a
station above the plane (R_JB 0, R_rup the perpendicular distance), mirror-image stations; the projection against
ObsPy's geodesic; and an independent brute force: great-circle and straight-line distances to a dense mesh of the
rupture's surface projection and plane."""
import math

import numpy as np
import pytest

from seisdiff.dsp import fault
from seisdiff.io.bbp_src import SimpleSource

LAT0, LON0 = 34.0, -118.0


def _source(strike=0.0, dip=90.0, length=40.0, width=15.0, ztor=0.0, along=0.0, down=5.0, lat=LAT0, lon=LON0):
    return SimpleSource(path="test.src", magnitude=7.0, fault_length_km=length, fault_width_km=width, dlen_km=0.1,
                        dwid_km=0.1, depth_to_top_km=ztor, strike_deg=strike, dip_deg=dip, rake_deg=180.0,
                        lat_top_center_deg=lat, lon_top_center_deg=lon, hypo_along_stk_km=along, hypo_down_dip_km=down)


def _at(src, x_km, y_km):
    """(lat, lon) of local points (x east, y north) km about the src's top centre."""
    return fault.unproject_deg(np.asarray(x_km, float), np.asarray(y_km, float), src.lat_top_center_deg,
                               src.lon_top_center_deg)


def test_vertical_strike_slip_rjb_is_the_distance_to_the_trace():
    """Strike north, L 40 km: the trace runs y −20…20 at x 0."""
    src = _source(strike=0.0, dip=90.0, length=40.0, ztor=0.0)
    lat, lon = _at(src, [10.0, -10.0, 0.0, 6.0, -6.0, 0.0, 0.0], [0.0, 5.0, 30.0, 28.0, -28.0, -20.0, 15.0])
    want = [10.0, 10.0, 10.0, 10.0, 10.0, 0.0, 0.0]                       # (6, 28): hypot(6, 8)
    np.testing.assert_allclose(fault.rjb_km(src, lat, lon), want, atol=2e-3)
    np.testing.assert_allclose(fault.rrup_km(src, lat, lon), want, atol=2e-3)   # a surface rupture: the same
    buried = _source(strike=0.0, dip=90.0, length=40.0, ztor=5.0)
    np.testing.assert_allclose(fault.rrup_km(buried, lat, lon), np.hypot(want, 5.0), atol=2e-3)


@pytest.mark.parametrize("strike", [0.0, 37.0, 128.0, 270.0])
def test_dipping_fault_footwall_and_hanging_wall(strike):
    """Dip 30° to the right of strike, W 20 km, top 2 km deep. With R_x the horizontal distance perpendicular to the
    trace (positive on the dip side): footwall and trace R_rup = √(R_x² + Z_tor²); above the plane (R_JB 0) R_rup =
    R_x sin δ + Z_tor cos δ; beyond the bottom edge R_JB = R_x − W cos δ, R_rup = √((R_x − W cos δ)² + (Z_tor + W sin
    δ)²) — whatever the strike."""
    dip, width, ztor = 30.0, 20.0, 2.0
    src = _source(strike=strike, dip=dip, length=60.0, width=width, ztor=ztor)
    d = math.radians(dip)
    rx = np.array([-10.0, 10.0, 30.0, 0.0])
    s, c = math.sin(math.radians(strike)), math.cos(math.radians(strike))
    lat, lon = _at(src, rx * c + 5.0 * s, -rx * s + 5.0 * c)          # 5 km along strike from the centre
    np.testing.assert_allclose(fault.rjb_km(src, lat, lon), [10.0, 0.0, 30.0 - width * math.cos(d), 0.0], atol=2e-3)
    want_rrup = [math.hypot(10.0, ztor), 10.0 * math.sin(d) + ztor * math.cos(d),
                 math.hypot(30.0 - width * math.cos(d), ztor + width * math.sin(d)), ztor]
    np.testing.assert_allclose(fault.rrup_km(src, lat, lon), want_rrup, atol=2e-3)


def test_mirror_image_stations_have_the_same_distances():
    """Mirrored across the line through the top centre normal to strike (any fault); a vertical fault also across its
    trace."""
    rng = np.random.default_rng(3)
    along, across = rng.uniform(-80, 80, 50), rng.uniform(-80, 80, 50)
    for src in (_source(strike=310.0, dip=45.0, width=25.0, ztor=3.0), _source(strike=310.0, dip=90.0, ztor=1.0)):
        s, c = math.sin(math.radians(src.strike_deg)), math.cos(math.radians(src.strike_deg))
        xy = lambda a, b: _at(src, a * s + b * c, a * c - b * s)
        for mirrored in ((-along, across),) + (((along, -across),) if src.dip_deg == 90 else ()):
            for distance in (fault.rjb_km, fault.rrup_km):
                np.testing.assert_allclose(distance(src, *xy(along, across)), distance(src, *xy(*mirrored)), atol=1e-6)


def test_hypocentre_and_corners():
    """Strike 90 (east), dip 30 (to the south), top 2 km deep: HYPO_ALONG_STK 10, HYPO_DOWN_DIP 10 lie 10 km east,
    10 cos 30° km south, 2 + 10 sin 30° km deep."""
    src = _source(strike=90.0, dip=30.0, length=40.0, width=20.0, ztor=2.0, along=10.0, down=10.0)
    lat, lon, depth = fault.hypocentre(src)
    x, y = fault.project_km(lat, lon, LAT0, LON0)
    assert (float(x), float(y), depth) == pytest.approx((10.0, -10.0 * math.cos(math.radians(30.0)), 7.0), abs=1e-9)
    assert depth == pytest.approx(src.hypo_depth_km, abs=1e-12)
    corners = fault.corners(src)
    x, y = fault.project_km(corners[:, 0], corners[:, 1], LAT0, LON0)
    south = 20.0 * math.cos(math.radians(30.0))
    np.testing.assert_allclose(np.stack([x, y, corners[:, 2]], 1),
                               [[-20, 0, 2], [20, 0, 2], [20, -south, 12], [-20, -south, 12]], atol=1e-9)


def test_projection_against_obspy_geodesic():
    """Distances from the centre within 0.05 % of WGS84's geodesic to 300 km, azimuths within 0.2°; unproject inverts
    project; longitudes across the antimeridian come back in (−180, 180]."""
    from obspy.geodetics import gps2dist_azimuth

    rng = np.random.default_rng(1)
    for lat0, lon0 in ((34.0, -118.0), (-41.3, 174.8), (64.0, -150.0), (0.0, 179.9)):
        r, az = rng.uniform(1, 300, 40), rng.uniform(0, 360, 40)
        lat, lon = fault.unproject_deg(r * np.sin(np.radians(az)), r * np.cos(np.radians(az)), lat0, lon0)
        assert np.all((lon > -180) & (lon <= 180))
        x, y = fault.project_km(lat, lon, lat0, lon0)
        np.testing.assert_allclose(np.stack([x, y]), np.stack([r * np.sin(np.radians(az)), r * np.cos(np.radians(az))]),
                                   rtol=1e-9, atol=1e-9)
        geodesic = [gps2dist_azimuth(lat0, lon0, a, b) for a, b in zip(lat, lon)]
        np.testing.assert_allclose([g[0] / 1e3 for g in geodesic], r, rtol=5e-4)
        assert np.abs((np.array([g[1] for g in geodesic]) - az + 180) % 360 - 180).max() < 0.2


def _ecef_km(lat, lon, depth_km):
    """WGS84 Earth-centred coordinates, km, of points `depth_km` below the ellipsoid."""
    p, lam = np.radians(lat), np.radians(lon)
    n = fault.WGS84_A_KM / np.sqrt(1 - fault.WGS84_E2 * np.sin(p) ** 2)
    h = -np.asarray(depth_km, np.float64)
    return np.stack([(n + h) * np.cos(p) * np.cos(lam), (n + h) * np.cos(p) * np.sin(lam),
                     (n * (1 - fault.WGS84_E2) + h) * np.sin(p)], -1)


@pytest.mark.parametrize("strike, dip, lat0", [(322.0, 81.0, 35.77), (17.0, 35.0, -54.3), (200.0, 60.0, 64.0)])
def test_against_a_brute_force_mesh(strike, dip, lat0):
    """R_JB and R_rup against the least straight-line distance (WGS84 Earth-centred: a chord, 8 m short of the
    geodesic at 200 km) to a 0.1 km mesh of the rupture's surface projection and of its plane (the mesh's points placed
    by the same frame: this checks the distances, not the frame); 40 stations to 200 km. (OpenQuake 3.26's
    PlanarSurface, given these corners, differs by up to 0.3 km in R_rup within 30 km (1 km to 200 km: its sphere)
    and 1.5 km in R_JB: its edges are great-circle arcs leaving each corner at the strike's azimuth.)"""
    src = _source(strike=strike, dip=dip, length=60.0, width=18.0, ztor=1.0, lat=lat0, lon=20.0)
    top = np.array([0.0, 0.0, src.depth_to_top_km])
    s, d = math.radians(strike), math.radians(dip)
    along = np.array([math.sin(s), math.cos(s), 0.0])
    down = np.array([math.cos(d) * math.cos(s), -math.cos(d) * math.sin(s), math.sin(d)])
    a, b = np.meshgrid(np.linspace(-30, 30, 601), np.linspace(0, 18, 181))
    plane = top + a[..., None] * along + b[..., None] * down
    mesh_lat, mesh_lon = _at(src, plane[..., 0].ravel(), plane[..., 1].ravel())
    rng = np.random.default_rng(7)
    r, az = rng.uniform(0, 200, 40), rng.uniform(0, 2 * np.pi, 40)
    lat, lon = _at(src, r * np.sin(az), r * np.cos(az))
    surface = _ecef_km(mesh_lat, mesh_lon, 0.0)
    rjb = [np.linalg.norm(surface - _ecef_km(la, lo, 0.0), axis=-1).min() for la, lo in zip(lat, lon)]
    mesh = _ecef_km(mesh_lat, mesh_lon, plane[..., 2].ravel())
    rrup = [np.linalg.norm(mesh - _ecef_km(la, lo, 0.0), axis=-1).min() for la, lo in zip(lat, lon)]
    inside = np.array(rjb) < 0.1                       # within the mesh's spacing of the projection: R_JB 0
    ours_rjb = fault.rjb_km(src, lat, lon)
    np.testing.assert_allclose(ours_rjb[~inside], np.array(rjb)[~inside], atol=0.06, rtol=1e-3)
    assert np.all(ours_rjb[inside] < 0.1)
    np.testing.assert_allclose(fault.rrup_km(src, lat, lon), rrup, atol=0.06, rtol=2e-3)
