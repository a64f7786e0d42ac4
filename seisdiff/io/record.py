"""The one in-memory record type every reader returns: acceleration in m/s², sampling rate in Hz."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Record:
    """One acceleration trace in physical units.

    acc_mps2:        (n,) float64 acceleration in m/s² (converted once, by the reader)
    sampling_rate_hz: samples per second
    record_id:       unique name: source stem (+ component when the stem lacks it)
    station, component, event, network: whatever the file declares ('' when unknown)
    start_time:      ISO-8601 string of the first sample ('' when unknown)
    source_file:     path of the file read
    units_in_file:   the unit the file declared (e.g. 'g', 'cm/s^2'), for the report
    metadata:        other numbers the file holds (e.g. magnitude, distance_km, vs30_mps)
    """

    acc_mps2: np.ndarray
    sampling_rate_hz: float
    record_id: str
    station: str = ""
    component: str = ""
    event: str = ""
    network: str = ""
    start_time: str = ""
    source_file: str = ""
    units_in_file: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return len(self.acc_mps2) / self.sampling_rate_hz
