"""Fixed-point behaviour at the extremes, as spec/kernel.md states it (properties, written
from the spec): s16.15 conversions round-trip up to the ends of the range, accum products
floor, ring-buffer entries stick at 0xFFFF and count every overflowing add (§4.1), and
delay-extension counters stop at 255 and count the lost spikes (§5.2)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import test_kernel_api as kapi
import test_kernel_delays as kdel
from pynn_spinn_virtual import fixedpoint

K = kapi.K
PROPS = settings(max_examples=150, deadline=None, derandomize=True, database=None)
KERNEL_PROPS = settings(PROPS, max_examples=60)
S1615_MIN_BITS, S1615_MAX_BITS = -(1 << 31), (1 << 31) - 1

# bit patterns crowded at both ends of the range (and around 0)
end_bits = st.one_of(st.integers(S1615_MIN_BITS, S1615_MIN_BITS + 1000),
                     st.integers(S1615_MAX_BITS - 1000, S1615_MAX_BITS),
                     st.integers(-1000, 1000), st.integers(S1615_MIN_BITS, S1615_MAX_BITS))


# -- §1.5: host conversion ------------------------------------------------------------------
@PROPS
@given(end_bits)
def test_every_s1615_value_round_trips_exactly(bits):
    value = float(fixedpoint.decode_s1615(np.int32(bits)))
    assert value == bits / 32768.0                     # decoding is exact
    assert int(fixedpoint.encode_s1615(value)) == bits
    assert int(fixedpoint.encode_s1615(np.array([value]))[0]) == bits


@PROPS
@given(end_bits, st.floats(-0.49, 0.49))
def test_encoding_rounds_to_the_nearest_s1615_value_up_to_the_ends(bits, offset):
    x = (bits + offset) / 32768.0
    if not fixedpoint.S1615_MIN <= x <= fixedpoint.S1615_MAX:
        with pytest.raises(ValueError, match="out of range for S1615"):
            fixedpoint.encode_s1615(x)
        return
    assert int(fixedpoint.encode_s1615(x)) == bits


def test_the_range_ends_and_the_first_values_beyond():
    assert int(fixedpoint.encode_s1615(-65536.0)) == S1615_MIN_BITS
    assert int(fixedpoint.encode_s1615(65536.0 - 2.0 ** -15)) == S1615_MAX_BITS
    for x in (np.nextafter(-65536.0, -np.inf), np.nextafter(65536.0 - 2.0 ** -15, np.inf),
              65536.0, float("inf"), float("-inf")):
        with pytest.raises(ValueError, match="out of range"):
            fixedpoint.encode_s1615(x)
    with pytest.raises(ValueError, match="NaN"):
        fixedpoint.encode_s1615(float("nan"))


# -- §1.2: accum x accum keeps bits [46:15] of the product: floor, then wrap ----------------
def _mulk(a, b):
    """The spec's product, with Python integers (no numpy)."""
    r = (a * b) >> 15                       # arithmetic shift: floor toward -inf
    r &= 0xFFFFFFFF
    return r - (1 << 32) if r >= 1 << 31 else r


@PROPS
@given(st.integers(S1615_MIN_BITS, S1615_MAX_BITS), st.integers(S1615_MIN_BITS, S1615_MAX_BITS))
def test_products_floor_toward_minus_infinity(a, b):
    r = _mulk(a, b)
    exact = a * b / 32768.0
    if -(1 << 31) <= exact < 1 << 31:            # no wrap: r is the floor of the exact value
        assert r <= exact < r + 1
    assert _mulk(a, 0) == 0 and _mulk(a, 1 << 15) == a      # x * 1.0k is exact


def test_product_check_values():
    assert _mulk(-1, 1) == -1                    # -2^-15 * 2^-15 floors to -2^-15
    assert _mulk(1, 1) == 0
    assert _mulk(3 << 15, -(1 << 14)) == -(3 << 14)


# -- §4.1: ring-buffer entries saturate at 0xFFFF ------------------------------------------
weights16 = st.one_of(st.integers(0, 0xFFFF), st.sampled_from([0, 1, 0x7FFF, 0x8000, 0xFFFE,
                                                               0xFFFF]))


def _ring_model(weights):
    """§4.1 literally: acc = entry + w; bit 16 set -> 0xFFFF and one saturation."""
    entry = count = 0
    for w in weights:
        acc = entry + w
        if acc & 0x10000:
            acc, count = 0xFFFF, count + 1
        entry = acc
    return entry, count


@KERNEL_PROPS
@given(st.lists(weights16, min_size=1, max_size=40))
def test_ring_buffer_entry_sticks_at_0xffff_and_counts_each_overflow(weights):
    """One spike whose row holds these synapses, in order, all onto the same neuron,
    receptor and delay slot."""
    net = K.Network(1)
    src = net.add_spike_array_core(1, [2], [0])
    core, _, ring = kapi.add_lif(net, n=1)
    net.add_incoming(core, src, *kapi.rows([[kapi.word(w, 3, 0, 0) for w in weights]]))
    net.run(0, 3)                                  # delivered into slot 5, not yet read
    entry, count = _ring_model(weights)
    assert int(ring[(5 << 2) | 0]) == entry
    assert np.count_nonzero(ring) == (entry != 0)
    assert net.saturations(core) == count
    assert entry == min(sum(weights), 0xFFFF) or count > 0


# -- §5.2: delay-extension counters stop at 255 ---------------------------------------------
@KERNEL_PROPS
@given(st.integers(0, 700), st.integers(0, 300))
def test_delay_counters_saturate_at_255_and_count_the_lost_spikes(n0, n1):
    """n0 and n1 spikes of two source atoms in tick 1, through a one-stage delay core."""
    net = K.Network(1)
    src = net.add_spike_array_core(2, [1] * (n0 + n1), [0] * n0 + [1] * n1)
    counters = np.zeros((32, 2), np.uint8)
    dly = net.add_delay_core(src, 2, 1, kdel.L, counters)
    tgt, _, ring = kdel.add_lif(net, 2, index_bits=1)
    net.add_incoming(tgt, dly, *kdel.delay_rows(2, 1, [(0, 1, kdel.word(1, 1, 0, 1)),
                                                       (1, 1, kdel.word(1, 1, 1, 1))]))
    net.run(0, 2)
    assert counters[1].tolist() == [min(n0, 255), min(n1, 255)]
    assert net.saturations(dly) == max(0, n0 - 255) + max(0, n1 - 255)
    net.run(2, 16)                                  # the stage fires at tick 17
    slot = (17 + 1) & 15
    # each counted spike is one add of weight 1: nothing else is lost
    assert [int(ring[(slot << 2) | 0]), int(ring[(slot << 2) | 1])] == \
        [min(n0, 255), min(n1, 255)]
