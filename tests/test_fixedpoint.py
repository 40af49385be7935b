"""Host-side conversion of the production backend (pynn_spinn_virtual.fixedpoint and the
profile "6" constant derivation) against the independent Decimal reference in
tests/reference_model.py and the check values of spec/kernel.md §1.5, §3.1, §3.3."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import reference_model as rm
from pynn_spinn_virtual import fixedpoint
from pynn_spinn_virtual.profiles import get_profile

S1615_MAX = 65536.0 - 2.0 ** -15
U032_MAX = 1.0 - 2.0 ** -32
PROPS = settings(max_examples=300, deadline=None)


def _scalar(x):
    a = np.asarray(x)
    assert a.ndim == 0 or a.size == 1, f"expected a scalar, got shape {a.shape}"
    return int(a.reshape(()).item())


def _ints(x):
    return np.asarray(x).astype(np.int64).tolist()


@pytest.fixture(scope="module")
def p6():
    return get_profile("6")


# --------------------------------------------------------------------------- S1615
s1615_floats = st.floats(min_value=-65536.0, max_value=S1615_MAX, allow_nan=False)
# exact binary ties k/65536 (half an S1615 LSB) over the whole range
s1615_ties = st.integers(min_value=-(1 << 32), max_value=(1 << 32) - 2).map(lambda k: k / 65536.0)


@PROPS
@given(st.one_of(s1615_floats, s1615_ties))
def test_encode_s1615_matches_decimal_reference(x):
    got = fixedpoint.encode_s1615(x)
    assert np.asarray(got).dtype == np.int32
    assert _scalar(got) == rm.encode_s1615(x), x


@PROPS
@given(st.lists(st.one_of(s1615_floats, s1615_ties), min_size=1, max_size=20))
def test_encode_s1615_array(xs):
    got = fixedpoint.encode_s1615(np.array(xs, dtype=np.float64))
    assert np.asarray(got).dtype == np.int32
    assert np.asarray(got).shape == (len(xs),)
    assert _ints(got) == [rm.encode_s1615(x) for x in xs]


@PROPS
@given(s1615_floats)
def test_decode_encode_s1615_within_half_lsb(x):
    back = float(np.asarray(fixedpoint.decode_s1615(fixedpoint.encode_s1615(x))).item())
    # half an LSB, plus the (tiny) difference between x and the decimal str(x) that is rounded
    assert abs(back - x) <= 2.0 ** -16 + 4 * math.ulp(x), (x, back)


def test_decode_s1615_values():
    assert float(fixedpoint.decode_s1615(np.int32(-2129920))) == -65.0
    out = np.asarray(fixedpoint.decode_s1615(np.array([1, -1, 32768, 2 ** 31 - 1], dtype=np.int32)))
    assert out.dtype == np.float64
    assert out.tolist() == [2.0 ** -15, -(2.0 ** -15), 1.0, S1615_MAX]


def test_encode_s1615_known_values():
    cases = {1.0: 32768, -65.0: -2129920, 0.1: 3277, 2.0 ** -16: 0, 3 * 2.0 ** -16: 2,
             -3 * 2.0 ** -16: -2, 5 * 2.0 ** -16: 2, -65536.0: -(1 << 31),
             S1615_MAX: (1 << 31) - 1, 0.0: 0, 20.0: 655360, 1.85: 60621,
             # binary ties whose shortest repr is not exact (binary rint would give the other
             # neighbour): 33592399/65536 and 33639913/65536
             512.5793304443359: 16796199, 513.3043365478516: 16819957}
    for x, bits in cases.items():
        assert _scalar(fixedpoint.encode_s1615(x)) == bits, x


@PROPS
@given(st.one_of(st.floats(min_value=S1615_MAX, exclude_min=True, allow_nan=False),
                 st.floats(max_value=-65536.0, exclude_max=True, allow_nan=False)))
def test_encode_s1615_out_of_range_raises(x):
    with pytest.raises(ValueError):
        fixedpoint.encode_s1615(x)
    with pytest.raises(ValueError):
        fixedpoint.encode_s1615(np.array([0.0, x, 1.0]))


# --------------------------------------------------------------------------- U032
u032_floats = st.floats(min_value=0.0, max_value=U032_MAX, allow_nan=False)
u032_ties = st.integers(min_value=0, max_value=(1 << 33) - 2).map(lambda k: k / 2.0 ** 33)


@PROPS
@given(st.one_of(u032_floats, u032_ties))
def test_encode_u032_matches_decimal_reference(x):
    got = fixedpoint.encode_u032(x)
    assert np.asarray(got).dtype == np.uint32
    assert _scalar(got) == rm.encode_u032(x), x


@PROPS
@given(st.lists(st.one_of(u032_floats, u032_ties), min_size=1, max_size=20))
def test_encode_u032_array(xs):
    got = fixedpoint.encode_u032(np.array(xs, dtype=np.float64))
    assert np.asarray(got).dtype == np.uint32
    assert _ints(got) == [rm.encode_u032(x) for x in xs]


@PROPS
@given(u032_floats)
def test_encode_u032_within_half_lsb(x):
    bits = _scalar(fixedpoint.encode_u032(x))
    assert abs(bits / 2.0 ** 32 - x) <= 2.0 ** -33 + 4 * math.ulp(x)


def test_encode_u032_known_values():
    assert _scalar(fixedpoint.encode_u032(0.5)) == 1 << 31
    assert _scalar(fixedpoint.encode_u032(2.0 ** -33)) == 0            # tie -> even
    # Decimal(str(v)) semantics: str() of these binary ties is not exact, so they are not ties
    # for the machine: 3*2^-33 -> '3.4924596548080444e-10' -> 1.4999.. -> 1 (binary rint: 2),
    # 5*2^-33 -> 2.50000000000000012 -> 3 (binary rint: 2).
    assert _scalar(fixedpoint.encode_u032(3 * 2.0 ** -33)) == 1
    assert _scalar(fixedpoint.encode_u032(5 * 2.0 ** -33)) == 3
    assert _scalar(fixedpoint.encode_u032(U032_MAX)) == (1 << 32) - 1
    assert _scalar(fixedpoint.encode_u032(math.exp(-1.0))) == 1580030169


@PROPS
@given(st.one_of(st.floats(min_value=U032_MAX, exclude_min=True, allow_nan=False),
                 st.floats(max_value=0.0, exclude_max=True, allow_nan=False)))
def test_encode_u032_out_of_range_raises(x):
    with pytest.raises(ValueError):
        fixedpoint.encode_u032(x)
    with pytest.raises(ValueError):
        fixedpoint.encode_u032(np.array([0.5, x]))


def test_encode_u032_one_rejected():
    with pytest.raises(ValueError):      # "a decay of exactly 1.0 is rejected" (§1.5)
        fixedpoint.encode_u032(1.0)


# --------------------------------------------------------------------------- profile 6 constants
EXP_TABLE = [  # dt, tau, decay, init (kernel.md §3.3, 5.x/6.x column)
    (1.0, 5.0, 3516421809, 3892727437),
    (1.0, 2.0, 2605029347, 3379875897),
    (1.0, 1.0, 1580030169, 2714937127),
    (0.1, 5.0, 4209921245, 4252302528),
    (0.1, 20.0, 4273546057, 4284247751),
]


@pytest.mark.parametrize("dt, tau, decay, init", EXP_TABLE)
def test_profile6_exp_check_values(p6, dt, tau, decay, init):
    assert _scalar(p6.exp_decay(dt, tau)) == decay
    assert _scalar(p6.exp_init(dt, tau)) == init
    assert np.asarray(p6.exp_decay(dt, tau)).dtype == np.uint32
    assert np.asarray(p6.exp_init(dt, tau)).dtype == np.uint32


def test_profile6_exp_vectorised(p6):
    taus = np.array([5.0, 20.0, 5.0])
    assert _ints(p6.exp_decay(0.1, taus)) == [4209921245, 4273546057, 4209921245]
    assert _ints(p6.exp_init(0.1, taus)) == [4252302528, 4284247751, 4252302528]
    taus = np.array([5.0, 2.0, 1.0])
    assert _ints(p6.exp_decay(1.0, taus)) == [3516421809, 2605029347, 1580030169]
    assert _ints(p6.exp_init(1.0, taus)) == [3892727437, 3379875897, 2714937127]
    assert np.asarray(p6.exp_decay(1.0, taus)).dtype == np.uint32


def test_profile6_lif_check_values(p6):
    assert _scalar(p6.lif_r(20.0, 1.0)) == 655360
    assert _scalar(p6.lif_exp_tc(1.0, 20.0)) == 31170
    assert _scalar(p6.lif_exp_tc(0.1, 20.0)) == 32605
    assert np.asarray(p6.lif_r(20.0, 1.0)).dtype == np.int32
    assert np.asarray(p6.lif_exp_tc(1.0, 20.0)).dtype == np.int32
    assert _scalar(p6.lif_r(15.0, 0.8)) == rm.encode_s1615(18.75)


def test_profile6_refractory_ticks(p6):
    assert int(p6.refractory_ticks(0.1, 1.0)) == 1
    assert int(p6.refractory_ticks(2.0, 1.0)) == 2
    assert int(p6.refractory_ticks(2.5, 1.0)) == 3
    assert int(p6.refractory_ticks(0.0, 1.0)) == 0
    assert int(p6.refractory_ticks(0.1, 0.1)) == 1
    # The rule int(ceil(tau_refrac / dt)) in double precision.  kernel.md §3.1 claims
    # "1.1/0.1 = 11.000000000000002 -> 12", but in IEEE double 1.1/0.1 == 11.0, so the rule
    # (and the 6.x host code, ceil(x / (ts / 1000.0))) gives 11.  Cases where the float
    # quirk really adds a tick:
    assert int(p6.refractory_ticks(1.1, 0.1)) == math.ceil(1.1 / 0.1) == 11
    assert int(p6.refractory_ticks(2.1, 0.3)) == 8     # 2.1/0.3 = 7.000000000000001
    assert int(p6.refractory_ticks(7.7, 0.7)) == 12    # 7.7/0.7 = 11.000000000000002


dts = st.sampled_from([0.1, 0.2, 0.5, 1.0, 2.0])


@PROPS
@given(dts, st.floats(min_value=0.05, max_value=2000.0))
def test_profile6_exp_matches_reference(dt, tau):
    assert _scalar(p6_().exp_decay(dt, tau)) == rm.exp_decay(dt, tau), (dt, tau)
    assert _scalar(p6_().exp_init(dt, tau)) == rm.exp_init(dt, tau), (dt, tau)


@PROPS
@given(dts, st.floats(min_value=0.5, max_value=500.0), st.floats(min_value=0.01, max_value=10.0))
def test_profile6_lif_matches_reference(dt, tau_m, cm):
    assert _scalar(p6_().lif_r(tau_m, cm)) == rm.lif_r(tau_m, cm)
    assert _scalar(p6_().lif_exp_tc(dt, tau_m)) == rm.lif_exp_tc(dt, tau_m)


@PROPS
@given(dts, st.floats(min_value=0.0, max_value=100.0))
def test_profile6_refractory_matches_rule(dt, tau_refrac):
    assert int(p6_().refractory_ticks(tau_refrac, dt)) == math.ceil(tau_refrac / dt)


def p6_():
    return get_profile("6")
