"""Synthetic accelerograms (m/s²) from the stochastic method (Boore 2003), for tests and pretraining."""
from seisdiff.simulate.stochastic import fourier_amplitude_mps, simulate_motion, simulate_three_component

__all__ = ["simulate_motion", "simulate_three_component", "fourier_amplitude_mps"]
