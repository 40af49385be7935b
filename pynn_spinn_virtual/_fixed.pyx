# cython: language_level=3, boundscheck=False, wraparound=False
"""The host's float -> fixed-point rounding in one pass over an array (for
:mod:`pynn_spinn_virtual.fixedpoint`, which owns the rules and the Decimal fix-ups).

Large projections have tens of millions of random weights and delays; numpy needs a dozen
passes (and temporaries) for the range check, the rounding and the search for values next
to a half-way point, this loop one.
"""
import numpy as np

from libc.math cimport fabs, floor, isnan, rint
from libc.stdint cimport int64_t


def round_scaled(const double[::1] values, double scale, double slack_per_unit, double lo,
                 double hi, int64_t[::1] out):
    """out[i] = rint(values[i] * scale) (half to even), for values in [lo, hi].

    Returns (first NaN index, first out-of-range index, near-tie indices): -1 where there is
    none; a near tie is a value whose scaled fraction lies within ``|v| * slack_per_unit``
    of one half, whose rounding the caller must decide exactly.  The scan stops at a NaN
    (the caller reports it before any out-of-range value); out-of-range values are skipped.
    """
    cdef Py_ssize_t i, n = values.shape[0]
    cdef Py_ssize_t first_nan = -1, first_bad = -1, n_ties = 0
    cdef double v, scaled
    if out.shape[0] != n:
        raise ValueError("round_scaled: out has the wrong length")
    ties_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] ties = ties_arr
    with nogil:
        for i in range(n):
            v = values[i]
            if isnan(v):
                first_nan = i
                break
            if v < lo or v > hi:
                if first_bad < 0:
                    first_bad = i
                continue
            scaled = v * scale
            out[i] = <int64_t>rint(scaled)
            if fabs(scaled - floor(scaled) - 0.5) <= fabs(v) * slack_per_unit:
                ties[n_ties] = i
                n_ties += 1
    return first_nan, first_bad, ties_arr[:n_ties]
