"""Fast parsing of whitespace-separated decimal numbers (AT2 bodies) with numba.

Each number is rebuilt from its integer mantissa and a power of ten with one IEEE multiplication or
division of exact operands, so the result is correctly rounded: bit-identical to Python's float()
for up to 15 significant digits and exponents within ±22. Anything else (more digits, a stray
character) makes the parser give up, and the caller falls back to the general (slow) path.
Fortran exponents (D) and numbers that run together ("-.12E-03-.34E-03") are accepted.
"""
from __future__ import annotations

import numpy as np
from numba import njit

_POW10 = np.array([1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22])  # each exactly representable
GIVE_UP = -1


@njit(cache=True, nogil=True)
def _parse(buf, pow10, out):
    n, i, size = 0, 0, buf.shape[0]
    while i < size:
        c = buf[i]
        if c == 32 or c == 10 or c == 13 or c == 9:
            i += 1
            continue
        negative = c == 45
        if c == 45 or c == 43:
            i += 1
        mantissa, digits, frac, seen = 0, 0, 0, False
        while i < size and 48 <= buf[i] <= 57:
            mantissa = mantissa * 10 + (buf[i] - 48)
            digits += 1
            seen = True
            i += 1
        if i < size and buf[i] == 46:
            i += 1
            while i < size and 48 <= buf[i] <= 57:
                mantissa = mantissa * 10 + (buf[i] - 48)
                digits += 1
                frac += 1
                seen = True
                i += 1
        if not seen or digits > 15 or n >= out.shape[0]:
            return GIVE_UP
        exponent = 0
        if i < size and (buf[i] == 69 or buf[i] == 101 or buf[i] == 68 or buf[i] == 100):
            i += 1
            exp_negative = i < size and buf[i] == 45
            if i < size and (buf[i] == 45 or buf[i] == 43):
                i += 1
            if i >= size or not 48 <= buf[i] <= 57:
                return GIVE_UP
            while i < size and 48 <= buf[i] <= 57:
                exponent = exponent * 10 + (buf[i] - 48)
                i += 1
            if exp_negative:
                exponent = -exponent
        if i < size and not (buf[i] in (32, 10, 13, 9, 45, 43)):
            return GIVE_UP
        power = exponent - frac
        if power > 22 or power < -22:
            return GIVE_UP
        value = float(mantissa) * pow10[power] if power >= 0 else float(mantissa) / pow10[-power]
        out[n] = -value if negative else value
        n += 1
    return n


def parse_numbers(text: str, max_count: int) -> np.ndarray | None:
    """The numbers in `text` (at most max_count) as float64, or None when the fast path gives up."""
    buf = np.frombuffer(text.encode("ascii", errors="replace"), dtype=np.uint8)
    out = np.empty(max_count + 1, dtype=np.float64)
    n = _parse(buf, _POW10, out)
    return None if n == GIVE_UP else out[:n]
