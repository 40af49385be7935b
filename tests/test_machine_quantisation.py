"""The C passes that quantise weights and delays (`_fixed`) against the formulas of
docs/toolchain6.md (Q3) written out with numpy, and the quantisation summary's comparison
against a plain loop."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pynn_spinn_virtual import _fixed, connectivity, fixedpoint, quantisation

finite = st.floats(-60000.0, 60000.0, allow_nan=False)
values = arrays(np.float64, st.integers(0, 80), elements=finite)


@settings(max_examples=200, deadline=None)
@given(weights=values, shift=st.integers(-3, 4))
def test_weight_ints(weights, shift):
    factor = 2.0 ** (15 + shift)
    host = np.rint(np.abs(weights * (factor / 2 ** 15))).astype(np.int64) & 0xFFFF
    assert connectivity.host_weight_ints(weights, factor / 2 ** 15).tolist() == host.tolist()
    bits = np.abs(fixedpoint.encode_s1615(weights).astype(np.int64))
    expander = (bits << shift if shift >= 0 else bits >> -shift) & 0xFFFF
    assert connectivity.expander_weight_ints(weights, factor).tolist() == expander.tolist()


@settings(max_examples=200, deadline=None)
@given(delays=arrays(np.float64, st.integers(0, 80), elements=st.floats(-5.0, 3000.0)),
       mts=st.sampled_from([100, 1000, 250]))
def test_delay_ticks(delays, mts):
    host = np.minimum(np.rint(delays * (1000.0 / mts)), 2 ** 31 - 1).astype(np.int32)
    assert connectivity.host_delay_ticks(delays, mts).tolist() == host.tolist()
    per_ms = int(fixedpoint.encode_s1615(1000.0 / mts))
    product = (fixedpoint.encode_s1615(delays).astype(np.int64) * per_ms) >> 15
    expander = np.maximum(np.where(product < 0, 1, (product >> 15) & 0xFFFF), 1)
    assert connectivity.expander_delay_ticks(delays, mts).tolist() == expander.tolist()


@settings(max_examples=100, deadline=None)
@given(halves=st.lists(st.integers(-2 ** 21, 2 ** 21), min_size=1, max_size=40),
       shift=st.integers(-3, 4), mts=st.sampled_from([100, 1000]))
def test_expander_conversions_at_half_way_points(halves, shift, mts):
    """At and next to the s16.15 half-way points (k / 2**16) the encoding is decided by the
    decimal repr (fixedpoint); the expander's one-pass conversions must agree with it."""
    v = np.array(halves, dtype=np.float64) / 65536.0
    values = np.concatenate((v, np.nextafter(v, np.inf), np.nextafter(v, -np.inf), v + 1e-12))
    bits = fixedpoint.encode_s1615(values).astype(np.int64)
    weights = (np.abs(bits) << shift if shift >= 0 else np.abs(bits) >> -shift) & 0xFFFF
    assert connectivity.expander_weight_ints(values, 2.0 ** (15 + shift)).tolist() == \
        weights.tolist()
    per_ms = int(fixedpoint.encode_s1615(1000.0 / mts))
    product = (bits * per_ms) >> 15
    ticks = np.maximum(np.where(product < 0, 1, (product >> 15) & 0xFFFF), 1)
    assert connectivity.expander_delay_ticks(values, mts).tolist() == ticks.tolist()


def test_expander_conversions_refuse_what_s1615_cannot_hold():
    """The errors of the s16.15 encoding: a NaN first, else the first value out of range."""
    with pytest.raises(ValueError, match="NaN cannot be encoded as S1615"):
        connectivity.expander_weight_ints(np.array([1.0, 1e9, np.nan]), 2.0 ** 15)
    with pytest.raises(ValueError, match=r"value 70000\.0 is out of range for S1615"):
        connectivity.expander_delay_ticks(np.array([1.0, 70000.0, -70000.0]), 1000)


def test_scalars_stay_scalars():
    assert int(connectivity.host_weight_ints(0.5, 32768.0)) == 16384
    assert np.ndim(connectivity.expander_delay_ticks(1.0, 1000)) == 0


@settings(max_examples=200, deadline=None)
@given(requested=arrays(np.float64, st.integers(0, 60), elements=st.floats(-3.0, 3.0)),
       scale=st.sampled_from([1024.0, 32768.0, 0.5]))
def test_compare_weights_is_the_plain_loop(requested, scale):
    ints = connectivity.host_weight_ints(requested, scale)
    zeroed, largest, smallest = 0, 0.0, np.inf
    for r, i in zip(np.abs(requested), ints):
        if r > 0:
            machine = i / scale
            largest = max(largest, abs(machine - r) / r)
            smallest = min(smallest, r)
            zeroed += machine == 0
    assert _fixed.compare_weights(requested, ints, scale) == (zeroed, largest, smallest)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 30.0, allow_nan=False), st.integers(2, 50),
       st.sampled_from([2.0 ** k for k in range(0, 17)]), st.sampled_from([1000.0, 100.0]))
def test_a_constant_array_converts_like_its_copy(value, n, scale, mts_us):
    """Projections keep a constant weight or delay as one value repeated by a zero stride;
    every conversion gives what it gives for the full array."""
    constant = np.broadcast_to(np.float64(value), (n,))
    full = np.full(n, value)
    assert fixedpoint.is_constant(constant) and not fixedpoint.is_constant(full)
    for convert, arg in ((connectivity.host_weight_ints, scale),
                         (connectivity.expander_weight_ints, scale),
                         (connectivity.host_delay_ticks, mts_us),
                         (connectivity.expander_delay_ticks, mts_us)):
        try:
            expected = convert(full, arg)
        except ValueError:
            with pytest.raises(ValueError):
                convert(constant, arg)
            continue
        got = convert(constant, arg)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)
        assert got.flags.c_contiguous
    ints = connectivity.host_weight_ints(full, scale)
    assert quantisation.changes(constant, ints, scale) == quantisation.changes(full, ints, scale)
