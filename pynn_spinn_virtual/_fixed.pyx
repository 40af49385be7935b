# cython: language_level=3, boundscheck=False, wraparound=False
"""The host's float -> fixed-point rounding in one pass over an array (for
:mod:`pynn_spinn_virtual.fixedpoint`, which owns the rules and the Decimal fix-ups), and the
machine's quantisation of synaptic weights and delays (for
:mod:`pynn_spinn_virtual.connectivity`, which documents the rules).

Large projections have tens of millions of random weights and delays; numpy needs a dozen
passes (and temporaries) for the range check, the rounding and the search for values next
to a half-way point, this loop one.
"""
import numpy as np

from libc.math cimport INFINITY, fabs, floor, isnan, rint
from libc.stdint cimport int32_t, int64_t, uint64_t


# the outcome of rounding one value (_round_scaled_one)
cdef enum:
    ROUNDED = 0
    IS_NAN = 1
    OUT_OF_RANGE = 2
    NEAR_TIE = 3


cdef inline int _round_scaled_one(double v, double scale, double slack_per_unit, double lo,
                                  double hi, int64_t *out) noexcept nogil:
    """*out = rint(v * scale) for v in [lo, hi]; NEAR_TIE when the caller must decide the
    rounding exactly (round_scaled)."""
    cdef double scaled
    if isnan(v):
        return IS_NAN
    if v < lo or v > hi:
        return OUT_OF_RANGE
    scaled = v * scale
    out[0] = <int64_t>rint(scaled)
    if fabs(scaled - floor(scaled) - 0.5) <= fabs(v) * slack_per_unit:
        return NEAR_TIE
    return ROUNDED


# what a rounding scan writes for each value
cdef enum:
    WRITE_BITS = 0          # the rounded value (int64)
    WRITE_WEIGHT = 1        # _expander_weight of it (uint16)
    WRITE_TICKS = 2         # _expander_ticks of it (int32)


cdef inline unsigned short _expander_weight(int64_t bits, int shift) noexcept nogil:
    # |bits| < 2**31 (s16.15); unsigned, so that a left shift wraps like numpy's
    cdef uint64_t b = <uint64_t>(bits if bits >= 0 else -bits)
    b = (b << shift) if shift >= 0 else (b >> -shift)
    return <unsigned short>(b & 0xFFFF)


cdef inline int32_t _expander_ticks(int64_t bits, int64_t per_ms) noexcept nogil:
    # bits within +-2**31 (s16.15)
    cdef int64_t product = (bits * per_ms) >> 15
    cdef int64_t ticks = 1 if product < 0 else (product >> 15) & 0xFFFF
    return <int32_t>(ticks if ticks > 1 else 1)


cdef tuple _rounding_scan(const double[::1] values, double scale, double slack_per_unit,
                          double lo, double hi, int write, int64_t param, int64_t *bits_out,
                          unsigned short *weights_out, int32_t *ticks_out):
    """Rounds every value (_round_scaled_one) and writes what `write` says; returns (first
    NaN index, first out-of-range index, near-tie indices) as round_scaled.  An
    out-of-range value writes nothing as bits, and the conversion of 0 otherwise."""
    cdef Py_ssize_t i, n = values.shape[0]
    cdef Py_ssize_t first_nan = -1, first_bad = -1, n_ties = 0
    cdef int outcome
    cdef int64_t bits = 0
    ties_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] ties = ties_arr
    with nogil:
        for i in range(n):
            outcome = _round_scaled_one(values[i], scale, slack_per_unit, lo, hi, &bits)
            if outcome == IS_NAN:
                first_nan = i
                break
            if outcome == OUT_OF_RANGE:
                if first_bad < 0:
                    first_bad = i
                if write == WRITE_BITS:
                    continue
                bits = 0
            elif outcome == NEAR_TIE:
                ties[n_ties] = i
                n_ties += 1
            if write == WRITE_BITS:
                bits_out[i] = bits
            elif write == WRITE_WEIGHT:
                weights_out[i] = _expander_weight(bits, <int>param)
            else:
                ticks_out[i] = _expander_ticks(bits, param)
    return first_nan, first_bad, ties_arr[:n_ties]


def round_scaled(const double[::1] values, double scale, double slack_per_unit, double lo,
                 double hi, int64_t[::1] out):
    """out[i] = rint(values[i] * scale) (half to even), for values in [lo, hi].

    Returns (first NaN index, first out-of-range index, near-tie indices): -1 where there is
    none; a near tie is a value whose scaled fraction lies within ``|v| * slack_per_unit``
    of one half, whose rounding the caller must decide exactly.  The scan stops at a NaN
    (the caller reports it before any out-of-range value); out-of-range values are skipped.
    """
    if out.shape[0] != values.shape[0]:
        raise ValueError("round_scaled: out has the wrong length")
    return _rounding_scan(values, scale, slack_per_unit, lo, hi, WRITE_BITS, 0,
                          &out[0] if out.shape[0] else NULL, NULL, NULL)


# -- the machine's quantisation of synaptic weights and delays (pynn_spinn_virtual.connectivity)
def host_weight_ints(const double[::1] weights, double factor):
    """``rint(|w * factor|) & 0xFFFF`` as uint16 (a product beyond int64 gives 0, as numpy's
    cast to int64 does on x86)."""
    cdef Py_ssize_t i, n = weights.shape[0]
    out_arr = np.empty(n, dtype=np.uint16)
    cdef unsigned short[::1] out = out_arr
    cdef double x
    with nogil:
        for i in range(n):
            x = rint(fabs(weights[i] * factor))
            out[i] = <unsigned short>((<int64_t>x) & 0xFFFF) if x < 9.2e18 else 0
    return out_arr


def expander_weight_ints(const int64_t[::1] bits, int shift):
    """``(|bits| << shift or >> -shift) & 0xFFFF`` as uint16: s16.15 weights scaled by a power
    of two and truncated, as the on-chip expander does."""
    cdef Py_ssize_t i, n = bits.shape[0]
    out_arr = np.empty(n, dtype=np.uint16)
    cdef unsigned short[::1] out = out_arr
    if not -63 < shift < 64:
        raise ValueError("expander_weight_ints: shift out of range")
    with nogil:
        for i in range(n):
            out[i] = _expander_weight(bits[i], shift)
    return out_arr


def expander_delay_ticks(const int64_t[::1] bits, int64_t per_ms):
    """``(bits * per_ms) >> 15`` (s16.15 ms times s16.15 ticks per ms), truncated to ticks and
    16 bits, at least 1 (a negative product gives 1), as int32."""
    cdef Py_ssize_t i, n = bits.shape[0]
    out_arr = np.empty(n, dtype=np.int32)
    cdef int32_t[::1] out = out_arr
    cdef int bad = 0
    cdef int64_t limit = 2147483648
    if not 0 <= per_ms < limit:
        raise ValueError("expander_delay_ticks: per_ms out of range")
    with nogil:
        for i in range(n):
            if bits[i] < -limit or bits[i] >= limit:
                bad = 1
                break
            out[i] = _expander_ticks(bits[i], per_ms)
    if bad:
        raise ValueError("expander_delay_ticks: a delay beyond s16.15")
    return out_arr


#: what expander_of_s1615 computes from each value's s16.15 bits
EXPANDER_WEIGHT_INTS = 0
EXPANDER_DELAY_TICKS = 1


def expander_of_s1615(const double[::1] values, int what, int64_t param, double lo, double hi):
    """The s16.15 encoding of each value (round_scaled with scale 2**15) followed by
    expander_weight_ints (what = EXPANDER_WEIGHT_INTS, param = shift; uint16) or
    expander_delay_ticks (EXPANDER_DELAY_TICKS, param = per_ms; int32), in one pass with no
    array of bits.

    Returns (result, first NaN index, first out-of-range index, near-tie indices), as
    round_scaled: the results of the near ties and of values out of range are to be
    decided (or refused) by the caller.
    """
    cdef Py_ssize_t n = values.shape[0]
    cdef unsigned short[::1] weights
    cdef int32_t[::1] ticks
    if what == EXPANDER_WEIGHT_INTS:
        if not -63 < param < 64:
            raise ValueError("expander_of_s1615: shift out of range")
        out_arr = np.empty(n, dtype=np.uint16)
        weights = out_arr
        scan = _rounding_scan(values, 32768.0, 32768.0 * 2.0 ** -52, lo, hi, WRITE_WEIGHT,
                              param, NULL, &weights[0] if n else NULL, NULL)
    elif what == EXPANDER_DELAY_TICKS:
        if not 0 <= param < 2147483648:
            raise ValueError("expander_of_s1615: per_ms out of range")
        out_arr = np.empty(n, dtype=np.int32)
        ticks = out_arr
        scan = _rounding_scan(values, 32768.0, 32768.0 * 2.0 ** -52, lo, hi, WRITE_TICKS,
                              param, NULL, NULL, &ticks[0] if n else NULL)
    else:
        raise ValueError(f"expander_of_s1615: unknown conversion {what}")
    return (out_arr,) + scan


def host_delay_ticks(const double[::1] delays, double per_ms):
    """``min(rint(d * per_ms), int32 max)`` as int32 (finite delays)."""
    cdef Py_ssize_t i, n = delays.shape[0]
    out_arr = np.empty(n, dtype=np.int32)
    cdef int32_t[::1] out = out_arr
    cdef double x
    with nogil:
        for i in range(n):
            x = rint(delays[i] * per_ms)
            out[i] = <int32_t>(x if x < 2147483647.0 else 2147483647.0)
    return out_arr


def compare_weights(const double[::1] requested, const unsigned short[::1] ints, double scale):
    """(non-zero weights stored as 0, largest relative change of |w|, smallest non-zero |w|
    (inf: none)) of the 16-bit machine weights ``ints / scale`` against the requested ones."""
    cdef Py_ssize_t i, n = requested.shape[0]
    cdef Py_ssize_t n_zeroed = 0
    cdef double r, m, change, largest = 0.0, smallest = INFINITY
    if ints.shape[0] != n:
        raise ValueError("compare_weights: arrays of different lengths")
    with nogil:
        for i in range(n):
            r = fabs(requested[i])
            if not r > 0:
                continue
            m = ints[i] / scale
            change = fabs(m - r) / r
            if change > largest:
                largest = change
            if r < smallest:
                smallest = r
            if m == 0:
                n_zeroed += 1
    return n_zeroed, largest, smallest
