"""Host-side fixed-point conversions, exactly as the SpiNNaker toolchain encodes values.

The toolchain (sPyNNaker 6.x ``DataType.encode_as_int``) checks the range of a value,
then computes ``round(Decimal(str(v)) * scale)`` with Python's round-half-to-even on the
shortest decimal representation of the double.  We give the same bits, vectorised: the
Decimal arithmetic is only needed for the rare values next to a half-way point.
"""
import functools
from decimal import Decimal

import numpy as np

from . import _fixed

S1615_SCALE = 1 << 15
U032_SCALE = 1 << 32
S1615_MIN = -65536.0
S1615_MAX = 65536.0 - 2.0 ** -15
U032_MIN = 0.0
U032_MAX = 1.0 - 2.0 ** -32


def is_constant(values):
    """True for a 1-d array whose values are one value repeated by a zero stride (how
    projections keep a constant weight or delay: 8 bytes, not 8 per connection)."""
    return (isinstance(values, np.ndarray) and values.ndim == 1 and len(values) > 1
            and values.strides[0] == 0)


def is_one_repeated_value(values):
    """True for a 1-d array holding one value (not NaN) many times: repeated by a zero
    stride (told for free), or found so by a scan of a large array."""
    if is_constant(values):
        return values[0] == values[0]
    return values.ndim == 1 and values.size > 64 and values[0] == values.min() == values.max()


def converted_once_when(is_one_value):
    """Decorator: an elementwise conversion of a 1-d float array converts one value when
    `is_one_value(array)` says the array repeats it, and repeats the result (a full array)."""
    def decorate(convert):
        @functools.wraps(convert)
        def wrapper(values, *args):
            arr = np.asarray(values, dtype=np.float64)
            if is_one_value(arr):
                one = np.asarray(convert(arr[:1], *args))
                return np.full(arr.shape, one[0], dtype=one.dtype)
            return convert(values, *args)
        return wrapper
    return decorate


#: the constant weight or delay of a large projection is converted once, also when it is
#: a full array (a scan tells)
once_per_repeated_value = converted_once_when(is_one_repeated_value)


def _encode(values, scale, lo, hi, dtype, type_name):
    result = _encode_int64(values, scale, lo, hi, type_name)
    return dtype(result) if np.ndim(result) == 0 else result.astype(dtype)


@once_per_repeated_value
def _encode_int64(values, scale, lo, hi, type_name):
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    scalar = np.ndim(values) == 0
    flat = np.ascontiguousarray(arr.reshape(-1))
    encoded = np.empty(flat.shape, dtype=np.int64)
    # rint(v * scale) in one C pass, which also finds the values next to a half-way point:
    # v * scale is exact (scale is a power of two); the decimal repr of v lies within half an
    # ulp of v, so rounding it can only differ from rounding v * scale there.  |v| * 2**-52
    # bounds v's ulp from above (a superset of the near-ties: exact either way).
    first_nan, first_bad, near_ties = _fixed.round_scaled(
        flat, float(scale), float(scale) * 2.0 ** -52, float(lo), float(hi), encoded)
    refuse_unencodable(flat, first_nan, first_bad, lo, hi, type_name)
    if len(near_ties):
        encoded[near_ties] = [int(round(Decimal(str(float(v))) * scale))
                              for v in flat[near_ties]]
    result = encoded.reshape(arr.shape)
    return result[0] if scalar else result


def refuse_unencodable(flat, first_nan, first_bad, lo, hi, type_name):
    """The error of an encoding whose C pass over `flat` found a NaN (reported first) or a
    value out of [lo, hi] (the first; -1: none)."""
    if first_nan >= 0:
        raise ValueError(f"NaN cannot be encoded as {type_name}")
    if first_bad >= 0:
        raise ValueError(
            f"value {float(flat[first_bad])!r} is out of range for {type_name} "
            f"(allowed {lo!r} .. {hi!r})")


def encode_s1615(values):
    """Float(s) -> int32 bits of s16.15 (round half to even on the decimal repr)."""
    return _encode(values, S1615_SCALE, S1615_MIN, S1615_MAX, np.int32, "S1615")


def s1615_bits(values):
    """Float array -> s16.15 bits as int64 (encode_s1615 without the cast to int32)."""
    return _encode_int64(values, S1615_SCALE, S1615_MIN, S1615_MAX, "S1615")


def encode_u032(values):
    """Float(s) in [0, 1) -> uint32 bits of u0.32 (round half to even on the decimal repr)."""
    return _encode(values, U032_SCALE, U032_MIN, U032_MAX, np.uint32, "U032")


def decode_s1615(bits):
    """int32 s16.15 bits -> float64 value (what the toolchain reads back)."""
    return np.asarray(bits, dtype=np.int64) / float(S1615_SCALE)


def decode_u032(bits):
    """uint32 u0.32 bits -> float64 value."""
    return np.asarray(bits, dtype=np.int64) / float(U032_SCALE)
