"""The toy detector: decay volume, photon energy and angle resolution, efficiency and coverage
(one numba implementation for signal and background)."""
