"""How the machine quantises synaptic weights and delays, vectorised.

A static synapse word is ``weight << 16 | delay << (N + T) | type << N | index``
(kernel spec §4.2): a 16-bit weight and a delay in ticks.  The host and the on-chip synapse
expander compute them differently (docs/toolchain6.md, Q3); the words and rows themselves
are laid out by :mod:`pynn_spinn_virtual._rows` for the mapper
(:mod:`pynn_spinn_virtual.mapping.synapses`).
"""
import math

import numpy as np

from . import _fixed, fixedpoint

#: 6.0 reads the machine time step as microseconds and converts with this float
_US_PER_MS = 1000.0


# -- the two ways a row's weights and delays are quantised (docs/toolchain6.md, Q3) ----------
# (each conversion is one C pass of pynn_spinn_virtual._fixed over the array, the s16.15
# encoding of the expander's included)
#: the machine's conversions of a zero-stride constant array (fixedpoint.is_constant) are
#: done once; a full array is not scanned for repeats (the scan would cost a C pass)
_once_if_constant = fixedpoint.converted_once_when(fixedpoint.is_constant)


@_once_if_constant
def host_weight_ints(weights, factor):
    """Rows written by the host: ``rint(|w * factor|) & 0xFFFF`` (half to even), uint16."""
    return _shaped(weights, _fixed.host_weight_ints(_doubles(weights), float(factor)))


@_once_if_constant
def expander_weight_ints(weights, factor):
    """Rows generated on chip by the synapse expander: ``floor(|S1615(w)| * factor)``, 16 bits.

    The weight reaches the chip as s16.15 (round half to even); the chip multiplies its
    magnitude by the scale and truncates.  The scales the toolchain uses are powers of two,
    for which this integer form is exact.
    """
    mantissa, exponent = math.frexp(float(factor))
    if mantissa != 0.5:
        raise ValueError(f"weight scale {factor} is not a power of two")
    shift = (exponent - 1) - 15          # factor / 2**15 = 2**shift
    return _expander_of_s1615(weights, _fixed.EXPANDER_WEIGHT_INTS, shift,
                              lambda bits: _fixed.expander_weight_ints(bits, shift))


@_once_if_constant
def host_delay_ticks(delays_ms, mts_us):
    """Host rows: ``rint(d * (1000 / mts))`` ticks (int32; absurdly long delays saturate at
    the int32 maximum rather than wrap, so that they still fail the delay limit)."""
    return _shaped(delays_ms, _fixed.host_delay_ticks(_doubles(delays_ms), _US_PER_MS / mts_us))


@_once_if_constant
def expander_delay_ticks(delays_ms, mts_us):
    """On-chip rows: ``S1615(d) * S1615(1000 / mts)``, floored, truncated to ticks, at least 1.

    With dt = 0.1 ms a delay whose s16.15 value rounds down loses a tick (0.3 ms -> 2 ticks).
    """
    per_ms = int(fixedpoint.encode_s1615(_US_PER_MS / mts_us))
    return _expander_of_s1615(delays_ms, _fixed.EXPANDER_DELAY_TICKS, per_ms,
                              lambda bits: _fixed.expander_delay_ticks(bits, per_ms))


def _shaped(values, result):
    """The flat result of a C pass, in the shape of the values (a scalar for a scalar)."""
    return result[0] if np.ndim(values) == 0 else result.reshape(np.shape(values))


def _doubles(values):
    return np.ascontiguousarray(np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel())


def _expander_of_s1615(values, what, param, of_bits):
    """What the expander computes from the s16.15 encoding of each value, in one C pass
    (`_fixed.expander_of_s1615`); the few values next to a half-way point, whose encoding
    :mod:`.fixedpoint` decides exactly, are computed again from their bits (`of_bits`)."""
    doubles = _doubles(values)
    lo, hi = fixedpoint.S1615_MIN, fixedpoint.S1615_MAX
    out, first_nan, first_bad, near_ties = _fixed.expander_of_s1615(doubles, what, param, lo,
                                                                     hi)
    fixedpoint.refuse_unencodable(doubles, first_nan, first_bad, lo, hi, "S1615")
    if len(near_ties):
        out[near_ties] = of_bits(fixedpoint.s1615_bits(doubles[near_ties]))
    return _shaped(values, out)


def round_delays_to_timestep(delays_ms, mts_us):
    """What a Projection does to non-random delays when it is created (6.0, silently).

    ``rint(d * (1000 / mts)) * (mts / 1000)``: half to even, so 1.5 ticks -> 2, 2.5 -> 2.
    """
    return (np.rint(np.asarray(delays_ms, dtype=np.float64) * (_US_PER_MS / mts_us))
            * (mts_us / _US_PER_MS))
