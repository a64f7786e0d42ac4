"""Stochastic point-source ground motion (Boore 2003, PAGEOPH 160, 635–676), in m/s².

Target Fourier amplitude spectrum of acceleration (one random horizontal component):
  A(f) = C · M0 · (2πf)² / (1 + (f/fc)²) · G(R) · exp(−πfR / (Q(f)·β)) · exp(−πκf) · S(f; Vs30)
  C    = Rθφ · V · F / (4π ρ β³ R0)                   (cgs: ρ g/cm³, β cm/s, R0 = 1 km = 1e5 cm)
  M0   = 10^(1.5·Mw + 16.05) dyne·cm
  fc   = 4.906e6 · β · (Δσ / M0)^(1/3)               (β km/s, Δσ bar)
  G(R) = 1/R for R ≤ 40 km, (1/40)·(40/R)^0.5 beyond  (Raoof et al. 1999, western North America)
  Q(f) = 180 · f^0.45                                  (Raoof et al. 1999)
  S    = quarter-wavelength amplification of a generic profile with the requested Vs30 (below)
C·M0 is a displacement spectrum in cm·s; times (2πf)² it is acceleration in cm/s; /100 gives m/s.

Distance: `distance_km` is the closest distance to the rupture; the point source sits at
R = sqrt(distance² + h²) with the finite-fault pseudo-depth h = 10^(−0.405 + 0.235·Mw) km
(Yenier & Atkinson 2015), so near-source motions saturate as for an extended rupture.

Site: the Boore & Joyner (1997) generic-rock velocity profile (V30 = 618 m/s) with its top 30 m
scaled by Vs30/618, the scaling fading log-linearly in depth to none at 1 km (soft sites are soft
near the surface, the crust below is generic); amplification by the quarter-wavelength method
(Joyner et al. 1981) with the BJ97 density rule. At Vs30 = 618 m/s and β = 3.5 km/s it reproduces
the BJ97 generic-rock amplification table.

Time series: Gaussian white noise windowed by a Saragoni–Hart envelope (ε = 0.2, η = 0.05,
tη = 2·Tgm) with Tgm = 1/fc + 0.05·R, starting after a quiet pre-event part; its spectrum is
normalised to unit mean square, multiplied by A(f) and transformed back (zero-padded to twice the
record length so the zero-phase shaping does not wrap around). Motions longer than the record are
truncated at its end: the normalisation is that of the whole window (the expected energy of the part
past the end counted in), so a short record holds the first part of the motion, not all of its energy.

Wave trains (`wave_trains=True`, `simulate --wave-trains`): one envelope for every frequency is what
real records do not have. Their high frequencies start with the P wave, where the low band is still
weak, and end well before it: over the 330 real strong-motion windows of six regions the > 2 Hz band's
95 % Arias time comes a median 7 s before the low band's (surface waves and long-period coda outlast the
high-frequency S coda; docs/MEASUREMENTS.md, "High-frequency timing"). A network pre-trained on
one-envelope motions may learn to put its high band where the low band is strong (the shipped recipe's
fold models do; pre-trained on wave trains instead, after the same fine-tuning on real records, they
still do: MEASUREMENTS, "Simulations with wave trains"). With wave trains the motion's
energy is split, frequency by frequency, over three trains of independent windowed noise whose energy
fractions sum to 1 at every frequency, so the expected Fourier spectrum stays A(f):
  P     fraction P(f) = P_ENERGY_FRACTION·f²/(f² + P_CORNER_HZ²) (a vertical: P_ENERGY_FRACTION_VERTICAL),
        from the first arrival (the end of the quiet part), envelope Tgm;
  late  fraction (1 − P(f))·LATE_FRACTION·L(f), L(f) = 1/(1 + (f/LATE_CORNER_HZ)⁴), from
        R/(LATE_GROUP_VELOCITY·β), envelope LATE_DURATION·Tgm (surface waves and long-period coda);
  S     the rest, from the S arrival R/β, envelope Tgm;
times after the P arrival R/α (α = √3·β), R the effective distance. The values are generic choices
(a Poisson solid, a 0.75β group velocity), not fitted to any record.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import fft

from seisdiff.errors import UserError

BETA_KMPS = 3.7          # shear-wave velocity at the source
RHO_GCM3 = 2.8           # density at the source
RADIATION = 0.55         # average S-wave radiation pattern Rθφ
FREE_SURFACE = 2.0       # free-surface amplification F
PARTITION = 2 ** -0.5    # partition onto two horizontal components V
MAGNITUDE_RANGE = (4.0, 8.0)
DISTANCE_KM_RANGE = (1.0, 300.0)
VS30_MPS_RANGE = (150.0, 1500.0)
KAPPA0_S_RANGE = (0.005, 0.15)   # site κ0, s
VERTICAL_TO_HORIZONTAL = 0.65  # V/H spectral ratio, typical of rock/stiff-soil records beyond ~10 km
P_TO_S_VELOCITY = 3.0 ** 0.5    # α/β of a Poisson solid
P_ENERGY_FRACTION = 0.05        # wave trains: the P train's share of a horizontal's energy well above
P_ENERGY_FRACTION_VERTICAL = 0.25  # P_CORNER_HZ, and of a vertical's
P_CORNER_HZ = 1.0               # below it the P train's share falls as f² (P carries little low band)
LATE_FRACTION = 0.6             # the late train's share of the energy well below LATE_CORNER_HZ
LATE_CORNER_HZ = 0.5            # L(f) = 1 / (1 + (f / LATE_CORNER_HZ)**4)
LATE_GROUP_VELOCITY = 0.75      # × β: when the late train starts
LATE_DURATION = 1.5             # × Tgm: its envelope's duration
METHOD_VERSION = 2  # of the records a seed gives: 2 since records shorter than the motion hold their window's
                    # share of its energy (2026-12-04); 1 before (stores without a version). A store is resumed
                    # only by the version that began it (`simulate`)

_BJ97_V30_MPS = 618.7    # time-averaged velocity of the top 30 m of the BJ97 generic-rock profile
_SITE_SCALING_DEPTH_KM = (0.03, 1.0)
ENVELOPE_END = 6.0     # × tη: where a Saragoni–Hart window has died out (w < 1e-13)


def seismic_moment_dyne_cm(magnitude):
    """Seismic moment (dyne·cm) of moment magnitude Mw (Hanks & Kanamori 1979)."""
    return 10.0 ** (1.5 * np.asarray(magnitude, dtype=float) + 16.05)


def corner_frequency_hz(magnitude, stress_drop_bar=100.0, beta_kmps=BETA_KMPS):
    """Brune corner frequency (Hz) for moment magnitude Mw and stress drop (bar)."""
    return 4.906e6 * beta_kmps * (stress_drop_bar / seismic_moment_dyne_cm(magnitude)) ** (1.0 / 3.0)


def effective_distance_km(magnitude, distance_km):
    """Point-source distance (km): rupture distance combined with the pseudo-depth h(Mw)."""
    h_km = 10.0 ** (-0.405 + 0.235 * np.asarray(magnitude, dtype=float))
    return np.hypot(distance_km, h_km)


def geometric_spreading(r_km, crossover_km=40.0, far_exponent=0.5):
    """Geometric spreading G(R) (1/km-normalised, dimensionless): 1/R, then R^-far_exponent."""
    r_km = np.asarray(r_km, dtype=float)
    return np.where(r_km <= crossover_km, 1.0 / r_km,
                    (1.0 / crossover_km) * (crossover_km / r_km) ** far_exponent)


def duration_s(magnitude, distance_km, stress_drop_bar=100.0):
    """Ground-motion duration Tgm (s) = source 1/fc + path 0.05·R (R: effective distance)."""
    r_km = effective_distance_km(magnitude, distance_km)
    return 1.0 / corner_frequency_hz(magnitude, stress_drop_bar) + 0.05 * r_km


def _bj97_velocity_kmps(depth_km):
    # Boore & Joyner (1997) generic rock, β(z) in km/s for z in km
    z = np.asarray(depth_km, dtype=float)
    return np.select([z <= 0.001, z <= 0.03, z <= 0.19, z <= 4.0, z <= 8.0],
                     [0.245, 2.206 * z ** 0.272, 3.542 * z ** 0.407,
                      2.505 * z ** 0.199, 2.927 * z ** 0.086], 3.5)


def _bj97_density_gcm3(beta_kmps):
    # BJ97: 2.5 g/cm³ at 0.3 km/s rising linearly to 2.8 g/cm³ at 3.5 km/s
    return 2.5 + 0.3 * np.clip((beta_kmps - 0.3) / 3.2, 0.0, 1.0)


@lru_cache(maxsize=1)
def _depth_grid_km():
    return np.concatenate([[0.0], np.geomspace(1e-5, 200.0, 8000)])


def generic_velocity_profile(vs30_mps):
    """Generic shear-velocity profile with time-averaged top-30-m velocity `vs30_mps`.

    Returns (depth_km (D,), beta_kmps (D,)) on a fixed depth grid from 0 to 200 km.
    """
    depth_km = _depth_grid_km()
    z_top, z_bottom = _SITE_SCALING_DEPTH_KM
    weight = np.clip(1.0 - np.log(np.maximum(depth_km, z_top) / z_top) / np.log(z_bottom / z_top), 0, 1)
    beta = _bj97_velocity_kmps(depth_km) * (vs30_mps / _BJ97_V30_MPS) ** weight
    # stiff sites: keep the profile increasing with depth
    return depth_km, np.maximum.accumulate(beta)


def site_amplification(freq_hz, vs30_mps, beta_source_kmps=BETA_KMPS, rho_source_gcm3=RHO_GCM3):
    """Quarter-wavelength amplification (dimensionless, (F,)) of the generic profile for `vs30_mps`
    at frequencies `freq_hz` (F,) relative to the source medium."""
    depth_km, beta = generic_velocity_profile(vs30_mps)
    mid_beta = 0.5 * (beta[1:] + beta[:-1])
    dz = np.diff(depth_km)
    travel_time_s = np.concatenate([[0.0], np.cumsum(dz / mid_beta)])
    mass = np.concatenate([[0.0], np.cumsum(dz * _bj97_density_gcm3(mid_beta))])
    freq_hz = np.maximum(np.asarray(freq_hz, dtype=float), 0.01)  # BJ97: amplification 1 below 0.01 Hz
    quarter_s = 0.25 / freq_hz
    z_q = np.interp(quarter_s, travel_time_s, depth_km)
    beta_avg = z_q / quarter_s
    rho_avg = np.interp(z_q, depth_km, mass) / z_q
    return np.sqrt(rho_source_gcm3 * beta_source_kmps / (rho_avg * beta_avg))


def fourier_amplitude_mps(freq_hz, magnitude, distance_km, vs30_mps, stress_drop_bar=100.0,
                          kappa_s=0.04, q0=180.0, q_exponent=0.45):
    """Target Fourier amplitude spectrum of acceleration, (F,) in m/s (m/s² per Hz), at `freq_hz`."""
    f = np.asarray(freq_hz, dtype=float)
    beta_cmps = BETA_KMPS * 1e5
    constant = RADIATION * PARTITION * FREE_SURFACE / (4 * np.pi * RHO_GCM3 * beta_cmps ** 3 * 1e5)
    fc = corner_frequency_hz(magnitude, stress_drop_bar)
    source_cmps = constant * seismic_moment_dyne_cm(magnitude) * (2 * np.pi * f) ** 2 / (1 + (f / fc) ** 2)
    r_km = effective_distance_km(magnitude, distance_km)
    q = q0 * np.maximum(f, 1e-6) ** q_exponent  # Q(0) would be 0; f·R/Q → 0 there anyway
    anelastic = np.exp(-np.pi * f * r_km / (q * BETA_KMPS))
    path = geometric_spreading(r_km) * anelastic
    site = site_amplification(f, vs30_mps) * np.exp(-np.pi * kappa_s * f)
    return source_cmps * path * site / 100.0


def saragoni_hart_envelope(t_s, duration_s, eps=0.2, eta=0.05, f_teta=2.0):
    """Saragoni–Hart window (dimensionless, peak 1 at ε·tη, η at tη = f_teta·duration) at `t_s` ≥ 0."""
    t_eta = f_teta * duration_s
    b = -eps * np.log(eta) / (1.0 + eps * (np.log(eps) - 1.0))
    c = b / eps
    a = (np.e / eps) ** b
    x = np.maximum(np.asarray(t_s, dtype=float), 0.0) / t_eta
    return a * x ** b * np.exp(-c * x)


def _check_scenario(magnitude, distance_km, vs30_mps):
    for name, value, (lo, hi) in (("magnitude", magnitude, MAGNITUDE_RANGE),
                                  ("distance_km", distance_km, DISTANCE_KM_RANGE),
                                  ("vs30_mps", vs30_mps, VS30_MPS_RANGE)):
        if not lo <= value <= hi:
            raise UserError(f"{name}={value} is outside the simulator's range [{lo:g}, {hi:g}]; "
                            "choose a value inside it")


def simulate_motion(magnitude, distance_km, vs30_mps, fs_hz, n_samples, rng, stress_drop_bar=100.0,
                    kappa_s=0.04, q0=180.0, q_exponent=0.45, pre_event_s=5.0, wave_trains: bool = False,
                    p_energy_fraction: float = P_ENERGY_FRACTION):
    """One random horizontal component of acceleration, (n_samples,) float64 in m/s².

    magnitude: Mw 4–8; distance_km: rupture distance 1–300 km; vs30_mps: 150–1500 m/s;
    rng: numpy Generator (the noise); the motion starts after `pre_event_s` seconds of quiet.
    wave_trains: P, S and late trains (module docstring) instead of one envelope; p_energy_fraction:
    the P train's share above P_CORNER_HZ (a vertical's: P_ENERGY_FRACTION_VERTICAL). Without wave trains the draws
    are those of earlier versions, record for record.
    """
    _check_scenario(magnitude, distance_km, vs30_mps)
    dt_s = 1.0 / fs_hz
    n_pre = int(round(pre_event_s * fs_hz))
    if n_pre >= n_samples:
        raise UserError(f"record of {n_samples / fs_hz:g} s leaves no room after the {pre_event_s:g} s "
                        "pre-event part; ask for a longer duration")
    n_fft = fft.next_fast_len(2 * n_samples, real=True)
    freq_hz = fft.rfftfreq(n_fft, dt_s)
    tgm_s = duration_s(magnitude, distance_km, stress_drop_bar)
    if wave_trains:
        spectrum = _wave_trains(freq_hz, tgm_s, effective_distance_km(magnitude, distance_km), n_pre, n_samples,
                                n_fft, dt_s, rng, p_energy_fraction)
    else:
        spectrum = _train(0.0, tgm_s, n_pre, n_samples, n_fft, dt_s, rng)
    # the DFT of a series sampled every dt approximates its Fourier transform divided by dt
    spectrum *= fourier_amplitude_mps(freq_hz, magnitude, distance_km, vs30_mps, stress_drop_bar,
                                      kappa_s, q0, q_exponent) / dt_s
    return fft.irfft(spectrum, n_fft)[:n_samples]


def _train(delay_s, tgm_s, n_pre, n_samples, n_fft, dt_s, rng) -> np.ndarray:
    """rfft (n_fft // 2 + 1,) of white noise under a Saragoni–Hart window of duration `tgm_s` starting
    `delay_s` after the quiet part, normalised to unit mean square over the bins (empty past the record:
    zeros, the noise still drawn so later trains keep their draws)."""
    start = n_pre + int(round(delay_s / dt_s))
    n = max(0, n_samples - start)
    noise = np.zeros(n_fft)
    draws = rng.standard_normal(n_samples - n_pre)[:n]
    window = saragoni_hart_envelope(np.arange(n) * dt_s, tgm_s)
    noise[start:start + n] = draws * window
    spectrum = fft.rfft(noise)
    # the whole motion's spectrum has unit mean square; a record that cuts it holds only its part
    power = np.mean(np.abs(spectrum) ** 2) * _untruncated_energy_ratio(window, tgm_s, dt_s)
    return spectrum / np.sqrt(power) if power > 0 else spectrum


def _untruncated_energy_ratio(window, tgm_s, dt_s) -> float:
    """Expected energy of the whole Saragoni–Hart window over that of its first len(window) samples
    (≥ 1; exactly 1 when the window has died out inside the record; 1 for an empty window)."""
    n_whole = int(np.ceil(ENVELOPE_END * 2.0 * tgm_s / dt_s))     # ENVELOPE_END × tη (f_teta 2)
    inside = float(np.sum(window ** 2))
    if inside <= 0.0 or n_whole <= len(window):
        return 1.0
    tail = saragoni_hart_envelope(np.arange(len(window), n_whole) * dt_s, tgm_s)
    return 1.0 + float(np.sum(tail ** 2)) / inside


def wave_train_fractions(freq_hz, p_energy_fraction: float = P_ENERGY_FRACTION) -> dict[str, np.ndarray]:
    """Energy fractions {"p", "s", "late"} (F,) of the wave trains at `freq_hz`; they sum to 1."""
    f = np.asarray(freq_hz, dtype=float)
    p = p_energy_fraction * f ** 2 / (f ** 2 + P_CORNER_HZ ** 2)
    late = (1.0 - p) * LATE_FRACTION / (1.0 + (f / LATE_CORNER_HZ) ** 4)
    return {"p": p, "s": 1.0 - p - late, "late": late}


def _wave_trains(freq_hz, tgm_s, r_km, n_pre, n_samples, n_fft, dt_s, rng, p_energy_fraction) -> np.ndarray:
    """Unit-mean-square spectrum of the P, S and late trains, each weighted by the root of its energy
    fraction (module docstring)."""
    s_delay_s = r_km / BETA_KMPS * (1.0 - 1.0 / P_TO_S_VELOCITY)     # S − P arrival time
    late_delay_s = r_km / BETA_KMPS * (1.0 / LATE_GROUP_VELOCITY - 1.0 / P_TO_S_VELOCITY)
    fractions = wave_train_fractions(freq_hz, p_energy_fraction)
    spectrum = np.zeros(len(freq_hz), complex)
    for name, delay_s, duration in (("p", 0.0, tgm_s), ("s", s_delay_s, tgm_s),
                                    ("late", late_delay_s, LATE_DURATION * tgm_s)):
        spectrum += np.sqrt(fractions[name]) * _train(delay_s, duration, n_pre, n_samples, n_fft, dt_s, rng)
    return spectrum


def simulate_three_component(magnitude, distance_km, vs30_mps, fs_hz, n_samples, rng,
                             vertical_to_horizontal=VERTICAL_TO_HORIZONTAL, **kwargs):
    """Two horizontals and a vertical, (3, n_samples) float64 in m/s², each from independent noise;
    the vertical is a horizontal-spectrum motion scaled by `vertical_to_horizontal` (with wave trains,
    its P train's share is P_ENERGY_FRACTION_VERTICAL). Keyword arguments are those of `simulate_motion`."""
    vertical = dict(kwargs, p_energy_fraction=P_ENERGY_FRACTION_VERTICAL) if kwargs.get("wave_trains") else kwargs
    acc_mps2 = np.stack([simulate_motion(magnitude, distance_km, vs30_mps, fs_hz, n_samples, rng, **kw)
                         for kw in (kwargs, kwargs, vertical)])
    acc_mps2[2] *= vertical_to_horizontal
    return acc_mps2
