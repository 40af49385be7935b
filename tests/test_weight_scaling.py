"""Ring-buffer left shift of sPyNNaker 6.0 (pynn_spinn_virtual.weight_scaling).

Every expected number below is worked out by hand (or with the Python standard library,
independently of scipy) from the 6.0 algorithm described in docs/toolchain6.md.
"""
import math
from fractions import Fraction
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyNN import connectors as C
from pyNN.random import RandomDistribution

from pynn_spinn_virtual.connectivity import (
    expander_delay_ticks, expander_weight_ints, host_delay_ticks, host_weight_ints,
    round_delays_to_timestep)
from pynn_spinn_virtual.weight_scaling import (
    EdgeStatistics, RunningStats, edge_statistics, expected_upper_bound, machine_time_step_us,
    poisson_max_spikes_per_tick, ring_buffer_left_shifts, weight_scale_factors)


def stats_for(connector, weight, delay=1.0, n_pre=1, n_post=1, dt=1.0, **kw):
    return edge_statistics(connector, weight, delay, n_pre, n_post, (0, n_pre), (0, n_post),
                           dt, **kw)


def shifts_for(edges, gws=1.0, dt=1.0):
    return ring_buffer_left_shifts(edges, 2, gws, dt)


# ---------------------------------------------------------------------------------------
# kernel spec §4.3 worked examples
# ---------------------------------------------------------------------------------------
def test_one_input_of_one_nA_needs_shift_1():
    # total = 1 spike * 1.0 nA * 1 connection = 1.0 = 2**0, so one more bit: shift 1
    e = stats_for(C.AllToAllConnector(), 1.0)
    assert (e.n_connections_max, e.weight_max, e.spikes_per_tick) == (1, 1.0, 1.0)
    shifts = shifts_for([e])
    assert shifts == [1, 0]                       # the unused inhibitory type gets 0
    factors = weight_scale_factors(shifts, 1.0)
    assert factors == [16384.0, 32768.0]
    w_int = int(host_weight_ints(1.0, factors[0]))
    assert w_int == 16384
    assert (w_int << shifts[0]) == 32768          # exactly 1.0 nA as s16.15


def test_half_nA_fits_without_shift():
    shifts = shifts_for([stats_for(C.AllToAllConnector(), 0.5)])
    assert shifts == [0, 0]
    assert weight_scale_factors(shifts, 1.0)[0] == 32768.0
    assert int(host_weight_ints(0.5, 32768.0)) == 16384


def test_conductance_100_inputs_include_the_1024_scale():
    # 6.0 multiplies every weight term by 1024: total = 1 * 10.24 * 100 = 1024 = 2**10,
    # so shift 11 and a scale of 2**(15-11) * 1024 = 16384; 0.01 uS -> rint(163.84) = 164
    e = stats_for(C.AllToAllConnector(), 0.01, n_pre=100, n_post=10)
    assert e.n_connections_max == 100
    shifts = ring_buffer_left_shifts([e], 2, 1024.0, 1.0)
    assert shifts[0] == 11
    factor = weight_scale_factors(shifts, 1024.0)[0]
    assert factor == 16384.0
    assert int(host_weight_ints(0.01, factor)) == 164
    assert int(expander_weight_ints(0.01, factor)) == 164   # S1615 328 -> 328/2


# ---------------------------------------------------------------------------------------
# per-connector statistics
# ---------------------------------------------------------------------------------------
def _binomial_quantile_exact(n, p, q):
    # smallest k with P(X <= k) >= q, in exact rational arithmetic
    p = Fraction(p)
    acc = Fraction(0)
    for k in range(n + 1):
        acc += math.comb(n, k) * p ** k * (1 - p) ** (n - k)
        if acc >= q:
            return k
    return n


def test_fixed_probability_uses_a_binomial_quantile():
    # 6.0: n = quantile 1 - 1e-4/(100*100) of Bin(100, 0.1); by hand P(X>30) = 6.0e-9 and
    # P(X>29) = 2.4e-8 around the 1e-8 tail, so n = 30; total = 0.5 * 30 = 15 -> shift 4
    q = 1 - Fraction(1, 10 ** 8)
    assert _binomial_quantile_exact(100, Fraction(1, 10), q) == 30
    e = stats_for(C.FixedProbabilityConnector(0.1), 0.5, n_pre=100, n_post=100)
    assert e.n_connections_max == 30
    assert e.weight_max == 0.5 and e.weight_variance == 0.0
    assert shifts_for([e]) == [4, 0]


def test_one_to_one_and_fixed_numbers():
    assert stats_for(C.OneToOneConnector(), 2.0, n_pre=50, n_post=50).n_connections_max == 1
    assert stats_for(C.FixedNumberPreConnector(7), 1.0, n_pre=50, n_post=20).n_connections_max == 7
    # FixedNumberPost: quantile 1 - 1e-5/(40*20) of Bin(40, 1/20), rounded up
    e = stats_for(C.FixedNumberPostConnector(3), 1.0, n_pre=40, n_post=20)
    q = 1 - Fraction(1, 10 ** 5) / 800
    assert e.n_connections_max == _binomial_quantile_exact(40, Fraction(1, 20), q)
    # FixedTotalNumber: quantile 1 - 0.01/200 of Bin(200, 1/10)
    e = stats_for(C.FixedTotalNumberConnector(200), 1.0, n_pre=30, n_post=10)
    q = 1 - Fraction(1, 100) / 200
    assert e.n_connections_max == _binomial_quantile_exact(200, Fraction(1, 10), q)


def test_random_weight_maximum_is_a_quantile_not_the_bound():
    # uniform(0, 1), a single connection: the maximum is the 0.99 quantile 0.99, not the
    # upper bound 1.0; 0.99 < 1 gives shift 0 (the bound would have given 1)
    e = stats_for(C.AllToAllConnector(), RandomDistribution("uniform", low=0.0, high=1.0))
    assert e.weight_max == pytest.approx(0.99, rel=1e-12)
    assert e.weight_mean == pytest.approx(0.5) and e.weight_variance == pytest.approx(1 / 12)
    assert shifts_for([e]) == [0, 0]
    # 100 x 100: quantile 1 - 1e-6 of uniform(0.1, 0.5) = 0.4999996; total 49.99996 -> 6
    e = stats_for(C.AllToAllConnector(), RandomDistribution("uniform", low=0.1, high=0.5),
                  n_pre=100, n_post=100)
    assert e.weight_max == pytest.approx(0.1 + 0.4 * (1 - 1e-6), rel=1e-12)
    assert shifts_for([e]) == [6, 0]


def test_normal_weights_use_the_tail_on_the_side_of_the_mean():
    z = NormalDist().inv_cdf(1 - 0.01 / 100)          # 100 = max(n_pre, n_post) for 1:1
    pos = stats_for(C.OneToOneConnector(), RandomDistribution("normal", mu=1.0, sigma=0.2),
                    n_pre=100, n_post=100)
    neg = stats_for(C.OneToOneConnector(), RandomDistribution("normal", mu=-1.0, sigma=0.2),
                    n_pre=100, n_post=100)
    assert pos.weight_max == pytest.approx(1.0 + 0.2 * z, rel=1e-9)
    assert neg.weight_max == pytest.approx(1.0 + 0.2 * z, rel=1e-9)
    assert neg.weight_mean == pytest.approx(1.0)       # |mean|
    assert shifts_for([pos]) == [1, 0]                 # 1.7438 -> ceil(log2) = 1


def test_normal_clipped_maximum_is_the_truncated_quantile_clipped_to_high():
    mu, sigma, low, high, n = 0.5, 1.0, 0.0, 0.8, 100
    nd = NormalDist()
    fa, fb = nd.cdf((low - mu) / sigma), nd.cdf((high - mu) / sigma)
    expected = mu + sigma * nd.inv_cdf(fa + (1 - 0.01 / n) * (fb - fa))
    e = stats_for(C.AllToAllConnector(),
                  RandomDistribution("normal_clipped", mu=mu, sigma=sigma, low=low, high=high),
                  n_pre=10, n_post=10)
    assert expected < high
    assert e.weight_max == pytest.approx(expected, rel=1e-7)


def test_exponential_statistics_reproduce_the_6_0_loc_quirk():
    # 6.0 passes beta to scipy's expon as loc: mean beta + 1, variance 1, quantile beta - ln(p)
    e = stats_for(C.AllToAllConnector(), RandomDistribution("exponential", beta=0.5),
                  n_pre=10, n_post=10)
    assert e.weight_mean == pytest.approx(1.5)
    assert e.weight_variance == pytest.approx(1.0)
    assert e.weight_max == pytest.approx(0.5 - math.log(1e-4), rel=1e-12)


def test_from_list_uses_the_whole_list():
    conns = [(0, 0, 0.5, 1.0), (1, 0, -0.7, 2.0), (2, 1, 0.3, 1.0)]
    e = stats_for(C.FromListConnector(conns), 0.0, n_pre=3, n_post=2)
    assert e.n_connections_max == 2                     # post neuron 0 has two inputs
    assert e.weight_max == pytest.approx(0.7)            # |-0.7|
    assert e.weight_mean == pytest.approx(0.5)
    assert e.weight_variance == pytest.approx(0.08 / 3)
    assert e.delay_variance == pytest.approx(2 / 9)
    # slices do not matter in 6.0
    other = edge_statistics(C.FromListConnector(conns), 0.0, 1.0, 3, 2, (2, 3), (1, 2), 1.0)
    assert other == e


# ---------------------------------------------------------------------------------------
# the statistical bound (only when delays vary)
# ---------------------------------------------------------------------------------------
def test_variable_delays_switch_to_the_poisson_bound():
    # 1000 inputs of 0.1 nA at 30 Hz, dt 1 ms: lam = 30 spikes per tick,
    # bound = 30*0.1 + 5*sqrt(30*0.01) = 5.7386 < total 100 -> shift 3
    conn = C.AllToAllConnector()
    varied = stats_for(conn, 0.1, RandomDistribution("uniform", low=1.0, high=10.0), n_pre=1000)
    assert varied.delay_variance == pytest.approx(81 / 12)
    assert shifts_for([varied]) == [3, 0]
    assert expected_upper_bound(0.1, 0.0, 30.0, 1000, 1000, 5.0) == pytest.approx(
        3.0 + 5.0 * math.sqrt(0.3), rel=1e-14)
    fixed = stats_for(conn, 0.1, 1.0, n_pre=1000)
    assert shifts_for([fixed]) == [7, 0]                # 100 -> ceil(log2) 7


def test_poisson_bound_with_weight_variance_matches_closed_form():
    # weight uniform(0, 0.2): mean 0.1, variance 0.04/12; lam = 30; summation limit
    # round(30 + 3*sqrt(30)) = 46; the gamma-function term equals
    # lam * var * P(Poisson(lam) <= 45)
    lam, mean, var = 30.0, 0.1, 0.04 / 12
    p_le_45 = sum(math.exp(-lam) * lam ** k / math.factorial(k) for k in range(46))
    expected = lam * mean + 5.0 * math.sqrt(lam * mean ** 2 + lam * var * p_le_45)
    assert expected_upper_bound(mean, math.sqrt(var), 30.0, 1000, 1000, 5.0) == pytest.approx(
        expected, rel=1e-9)
    e = stats_for(C.AllToAllConnector(), RandomDistribution("uniform", low=0.0, high=0.2),
                  RandomDistribution("uniform", low=1.0, high=5.0), n_pre=1000)
    assert shifts_for([e]) == [3, 0]                     # 6.16 (< total 199.998) -> 3


def test_from_list_with_varied_delays_uses_the_bound():
    # n = 2, lam = 0.06, summation limit 1; bound = 0.03 + 5*sqrt(0.015 + lam*var*e^-lam)
    # = 0.672 < biggest 0.7, so 0.7 wins: shift 0 (constant delays would give 1.4 -> 1)
    conns = [(0, 0, 0.5, 1.0), (1, 0, -0.7, 2.0), (2, 1, 0.3, 1.0)]
    e = stats_for(C.FromListConnector(conns), 0.0, n_pre=3, n_post=2)
    var = 0.08 / 3
    bound = 0.03 + 5 * math.sqrt(0.06 * 0.25 + 0.06 * var * math.exp(-0.06))
    assert bound == pytest.approx(0.6724, abs=1e-4)
    assert shifts_for([e]) == [0, 0]
    same_delays = [(a, b, w, 1.0) for a, b, w, _ in conns]
    assert shifts_for([stats_for(C.FromListConnector(same_delays), 0.0, n_pre=3, n_post=2)]) \
        == [1, 0]


def test_single_connection_groups_add_no_delay_variance():
    # RunningStats weights a group's variance by (n - 1): a one-to-one projection with random
    # delays therefore keeps the plain total: 2.0 -> 2**1 <= 2 -> shift 2
    e = stats_for(C.OneToOneConnector(), 2.0, RandomDistribution("uniform", low=1.0, high=10.0),
                  n_pre=100, n_post=100)
    assert e.delay_variance > 0
    assert shifts_for([e]) == [2, 0]
    rs = RunningStats()
    rs.add_items(0.0, 5.0, 1)
    assert rs.variance == 0.0
    # two such projections: pooled n = 2 but each group still contributes (1 - 1) * var = 0,
    # so the plain total 2 + 2 = 4 -> shift 3 stands (the bound would give 2.57 -> shift 2)
    rs.add_items(0.0, 5.0, 1)
    assert rs.variance == 0.0
    f = stats_for(C.OneToOneConnector(), 2.0, RandomDistribution("uniform", low=1.0, high=10.0),
                  n_pre=100, n_post=100, projection_id="second")
    assert shifts_for([e, f]) == [3, 0]
    assert expected_upper_bound(2.0, 0.0, 30.0, 1000, 2, 5.0) == pytest.approx(
        0.12 + 5 * math.sqrt(0.24))


# ---------------------------------------------------------------------------------------
# spikes per tick, de-duplication, sign
# ---------------------------------------------------------------------------------------
def test_poisson_source_raises_spikes_per_tick():
    # 100 Hz at 1 ms: lam 0.1; P(N<=1) = 0.9953 < 0.999 <= P(N<=2) = 0.99985 -> 2 + 1 = 3
    assert poisson_max_spikes_per_tick(100.0, 1.0) == 3.0
    assert poisson_max_spikes_per_tick(5.0, 1.0) == 1      # 0.005 < 0.01 per tick
    e = stats_for(C.AllToAllConnector(), 0.1, n_pre=50, pre_max_rate=100.0)
    assert (e.spikes_per_tick, e.spikes_per_second) == (3.0, 100.0)
    assert shifts_for([e]) == [4, 0]                        # 3 * 5 = 15
    plain = stats_for(C.AllToAllConnector(), 0.1, n_pre=50)
    assert shifts_for([plain]) == [3, 0]                    # 1 * 5 = 5


def test_edges_of_one_projection_count_once_and_types_are_separate():
    e = stats_for(C.AllToAllConnector(), 0.5, n_pre=100, projection_id="p1")
    assert shifts_for([e, e]) == [6, 0]                     # 50, not 100
    anon = stats_for(C.AllToAllConnector(), 0.5, n_pre=100)
    assert shifts_for([anon, anon]) == [7, 0]               # two projections: 100
    inh = stats_for(C.AllToAllConnector(), -3.0, n_pre=2, synapse_type=1)
    assert inh.weight_max == 3.0 and inh.weight_mean == 3.0
    assert shifts_for([e, inh]) == [6, 3]                   # 6 -> ceil(log2) 3


def test_plastic_projection_reports_w_max_as_mean():
    e = stats_for(C.AllToAllConnector(), 0.1, n_pre=10, plastic_weight_max=1.0)
    assert (e.weight_max, e.weight_mean, e.weight_variance) == (1.0, 1.0, 0.0)
    assert shifts_for([e]) == [4, 0]                        # 10 -> 4


def test_edge_statistics_fields_are_plain():
    e = EdgeStatistics(0, 4, 1.0, 1.0, 0.0, 0.0, 1.0)
    assert e.spikes_per_second == 30.0 and e.projection_id is None
    assert shifts_for([e]) == [3, 0]                        # 4 -> 2**2 <= 4 -> 3


# ---------------------------------------------------------------------------------------
# quantisation paths and time
# ---------------------------------------------------------------------------------------
def test_expander_floors_where_host_rounds():
    # w * 2**15 = 10001.2: S1615 10001; shift 1 -> expander floor(10001/2) = 5000, host
    # rint(5000.6) = 5001
    w = 0.30521240234375
    assert int(host_weight_ints(w, 16384.0)) == 5001
    assert int(expander_weight_ints(w, 16384.0)) == 5000
    # spec §4.3 value: 0.1 at scale 2**14 -> 1638 on both 6.0 paths (S1615 3277 -> 1638)
    assert int(host_weight_ints(0.1, 16384.0)) == 1638
    assert int(expander_weight_ints(-0.1, 16384.0)) == 1638


def test_delay_paths_at_a_tenth_of_a_millisecond():
    d = round_delays_to_timestep(0.3, 100)
    assert d == pytest.approx(0.3)
    assert int(host_delay_ticks(d, 100)) == 3
    # S1615(0.3) = 9830, times S1615(10.0) = 327680: 98300 bits = 2.9999 -> 2 ticks
    assert expander_delay_ticks(d, 100) == 2
    assert expander_delay_ticks(round_delays_to_timestep(0.5, 100), 100) == 5
    assert list(expander_delay_ticks([0.05, 1.0], 1000)) == [1, 1]   # clamped to >= 1


def test_machine_time_step_is_a_plain_ceiling():
    assert machine_time_step_us(1.0) == 1000
    assert machine_time_step_us(0.1) == 100
    assert machine_time_step_us(2.007) == 2008              # 2007.0000000000002 in double


@settings(max_examples=300, deadline=None)
@given(q=st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 1 - 1e-12, 0.99, 0.5])),
       n=st.one_of(st.integers(0, 10 ** 7), st.floats(0, 1e4)),
       p=st.one_of(st.floats(-0.1, 1.1), st.sampled_from([0.0, 1.0, 0.02])))
def test_the_binomial_quantile_is_scipys_binom_ppf(q, n, p):
    """weight_scaling._binomial_ppf calls the function scipy's binom.ppf calls when its
    checks pass, and binom.ppf itself elsewhere: the same value (or NaN) for any question."""
    import scipy.stats
    from pynn_spinn_virtual.weight_scaling import _binomial_ppf
    with np.errstate(all="ignore"):
        expected = scipy.stats.binom.ppf(q, n, p)
    got = _binomial_ppf.__wrapped__(q, n, p)
    assert (np.isnan(got) and np.isnan(expected)) or got == expected
    assert np.ndim(got) == 0
