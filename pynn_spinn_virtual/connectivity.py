"""How the machine quantises synaptic weights and delays, vectorised.

A static synapse word is ``weight << 16 | delay << (N + T) | type << N | index``
(kernel spec §4.2): a 16-bit weight and a delay in ticks.  The host and the on-chip synapse
expander compute them differently (docs/toolchain6.md, Q3); the words and rows themselves
are laid out by :mod:`pynn_spinn_virtual._rows` for the mapper
(:mod:`pynn_spinn_virtual.mapping.synapses`).
"""
import math

import numpy as np

from . import fixedpoint

#: 6.0 reads the machine time step as microseconds and converts with this float
_US_PER_MS = 1000.0


# -- the two ways a row's weights and delays are quantised (docs/toolchain6.md, Q3) ----------
@fixedpoint.once_per_repeated_value
def host_weight_ints(weights, factor):
    """Rows written by the host: ``rint(|w * factor|) & 0xFFFF`` (numpy rint, half to even)."""
    w = np.asarray(weights, dtype=np.float64) * factor
    return np.rint(np.abs(w)).astype(np.int64) & 0xFFFF


@fixedpoint.once_per_repeated_value
def expander_weight_ints(weights, factor):
    """Rows generated on chip by the synapse expander: ``floor(|S1615(w)| * factor)``, 16 bits.

    The weight reaches the chip as s16.15 (round half to even); the chip multiplies its
    magnitude by the scale and truncates.  The scales the toolchain uses are powers of two,
    for which this integer form is exact.
    """
    mantissa, exponent = math.frexp(float(factor))
    if mantissa != 0.5:
        raise ValueError(f"weight scale {factor} is not a power of two")
    bits = np.abs(np.asarray(fixedpoint.encode_s1615(weights), dtype=np.int64))
    shift = (exponent - 1) - 15          # factor / 2**15 = 2**shift
    ints = bits << shift if shift >= 0 else bits >> -shift
    return ints & 0xFFFF


_INT32_MAX = np.iinfo(np.int32).max


@fixedpoint.once_per_repeated_value
def host_delay_ticks(delays_ms, mts_us):
    """Host rows: ``rint(d * (1000 / mts))`` ticks (int32; absurdly long delays saturate at
    the int32 maximum rather than wrap, so that they still fail the delay limit)."""
    ticks = np.rint(np.asarray(delays_ms, dtype=np.float64) * (_US_PER_MS / mts_us))
    return np.minimum(ticks, _INT32_MAX).astype(np.int32)


@fixedpoint.once_per_repeated_value
def expander_delay_ticks(delays_ms, mts_us):
    """On-chip rows: ``S1615(d) * S1615(1000 / mts)``, floored, truncated to ticks, at least 1.

    With dt = 0.1 ms a delay whose s16.15 value rounds down loses a tick (0.3 ms -> 2 ticks).
    """
    per_ms = int(fixedpoint.encode_s1615(_US_PER_MS / mts_us))
    product = (np.asarray(fixedpoint.encode_s1615(delays_ms), dtype=np.int64) * per_ms) >> 15
    ticks = np.where(product < 0, 1, (product >> 15) & 0xFFFF)
    return np.maximum(ticks, 1).astype(np.int32)


def round_delays_to_timestep(delays_ms, mts_us):
    """What a Projection does to non-random delays when it is created (6.0, silently).

    ``rint(d * (1000 / mts)) * (mts / 1000)``: half to even, so 1.5 ticks -> 2, 2.5 -> 2.
    """
    return (np.rint(np.asarray(delays_ms, dtype=np.float64) * (_US_PER_MS / mts_us))
            * (mts_us / _US_PER_MS))
