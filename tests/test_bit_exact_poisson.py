"""End-to-end bit-exactness of SpikeSourcePoisson / SpikeSourcePoissonVariable, profile "6",
through the public PyNN API of pynn_spinn_virtual, against the independent reference model
(tests/reference_model.py: kernel.md §7.2 + the sPyNNaker 6.0 / spinn_common sources).

A seeded single-core Poisson population ``Population(n, ..., seed=N)`` has the KISS seed
``create_mars_kiss_seeds(numpy.random.RandomState(N))`` (kernel.md §7.2), so its exact spike
ticks -- several spikes per tick included (one entry per spike in the spike train) -- are
predictable.  Spikes are compared as sorted tick lists WITH multiplicity.

Rates are chosen so that most tests do not depend on the host-encoding ambiguity between
kernel.md §7.2 (5.x: exp(-lambda), sqrt(lambda) truncated; end = round((start+duration)/dt))
and the sPyNNaker 6.0 sources (numpy.round; end = round(start/dt) + round(duration/dt)): for
these rates and integer-tick times both rules give the same bits.  The tests that do depend on
it are marked "6.0 host rule" and follow the 6.0 sources.
"""
import pytest

import reference_model as rm
from neo_bits import spike_ticks
import test_bit_exact_models
from test_bit_exact_models import (REFERENCE_ONLY, Pop, _arr, check_population, check_weights,
                                   finish, sim)

twin_factory = test_bit_exact_models.twin_factory     # the fixture, shared


def poisson(tw, n, label, seed, rate, start=0.0, duration=None):
    p = None
    if not REFERENCE_ONLY:
        kw = dict(rate=_arr(rate), start=_arr(start))
        if duration is not None:
            kw["duration"] = _arr(duration)
        p = sim.Population(n, sim.SpikeSourcePoisson(**kw), label=label, seed=seed)
        p.record("spikes")
    return Pop(p, tw.ref.spike_source_poisson(n, rate, start, duration, seed=seed), label)


def poisson_variable(tw, n, label, seed, rates, starts, durations=None):
    p = None
    if not REFERENCE_ONLY:
        kw = dict(rates=rates, starts=starts)
        if durations is not None:
            kw["durations"] = durations
        p = sim.Population(n, sim.extra_models.SpikeSourcePoissonVariable(**kw), label=label,
                           seed=seed)
        p.record("spikes")
    return Pop(p, tw.ref.spike_source_poisson_variable(n, rates, starts, durations, seed=seed),
               label)


def host_rules_agree(pop_ref, ts):
    """True if every rate entry of the population encodes identically under the 6.0 and the
    5.x/§7.2 host rules (so the test does not depend on that ambiguity)."""
    for es in pop_ref.entries:
        for e in es:
            start_ms = e["start"] * ts / 1000.0
            for host in ("5", "6"):
                other = rm.poisson_entry(e["rate"], start_ms, None, ts, host)
                if any(other[k] != e[k] for k in ("exp_minus_lambda", "sqrt_lambda",
                                                  "mean_isi", "is_fast")):
                    return False
    return True


def check_spikes(tw, pop, what=""):
    finish(tw)
    what = f"{what} {pop.label}".strip()
    seg = pop.sim.get_data("spikes").segments[0]
    got = spike_ticks(seg, tw.dt)
    assert len(got) == pop.n, f"{what}: {len(got)} spike trains for {pop.n} sources"
    for j in range(pop.n):
        exp = sorted(pop.ref.spikes[j])
        if got[j] != exp:
            first = next((k for k, (a, b) in enumerate(zip(got[j], exp)) if a != b),
                         min(len(got[j]), len(exp)))
            raise AssertionError(
                f"{what} source {j}: {len(got[j])} spikes, expected {len(exp)}; first difference "
                f"at index {first}: got {got[j][first:first + 5]} expected {exp[first:first + 5]}")


def multi_spike_ticks(pop_ref):
    return sum(1 for row in pop_ref.counts for c in row if c >= 2)


# --------------------------------------------------------------------------------------------
# the three regimes in one core (one KISS stream, sources drawn in index order)
# --------------------------------------------------------------------------------------------
REGIME_RATES = {
    # dt: rates -> lambda = rate * dt_us / 1e6: 0, slow (< 0.01), fast (Knuth), faster (Gauss)
    1.0: [0.0, 2.0, 5.0, 9.0, 50.0, 300.0, 700.0, 3000.0, 16000.0, 25000.0],
    0.1: [0.0, 20.0, 50.0, 90.0, 500.0, 3000.0, 8000.0, 36000.0, 160000.0, 250000.0],
}


@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_poisson_regimes_exact_ticks(twin_factory, dt):
    tw = twin_factory(dt)
    rates = REGIME_RATES[dt]
    src = poisson(tw, len(rates), "poisson", 4242, rates)
    tw.run(300.0 if dt == 1.0 else 60.0)
    r = src.ref
    assert host_rules_agree(r, tw.ref.dt_us)
    kinds = [("faster" if e["sqrt_lambda"] else "fast") if e["is_fast"] else "slow"
             for e in (es[0] for es in r.entries)]
    assert kinds == ["slow"] * 4 + ["fast"] * 4 + ["faster"] * 2
    assert r.spikes[0] == []
    assert any(r.spikes[j] for j in (1, 2, 3)), "scenario: a slow source spikes"
    assert multi_spike_ticks(r) > 50, "scenario: several spikes per tick"
    check_spikes(tw, src, f"dt={dt}")


def test_poisson_several_populations_and_seeds(twin_factory):
    tw = twin_factory(1.0)
    a = poisson(tw, 5, "a", 1, [5.0, 700.0, 3000.0, 16000.0, 50.0])
    b = poisson(tw, 5, "b", 1, [5.0, 700.0, 3000.0, 16000.0, 50.0])   # same seed: same spikes
    c = poisson(tw, 3, "c", 987654321, [300.0, 3000.0, 25000.0])
    tw.run(200.0)
    assert a.ref.spikes == b.ref.spikes
    for p in (a, b, c):
        assert host_rules_agree(p.ref, 1000)
        check_spikes(tw, p)


def test_poisson_start_and_duration(twin_factory):
    tw = twin_factory(1.0)
    rates = [5.0, 700.0, 3000.0, 25000.0, 50.0, 2.0]
    src = poisson(tw, 6, "windowed", 77, rates, start=[0.0, 20.0, 35.0, 100.0, 10.0, 150.0],
                  duration=[300.0, 50.0, 10.0, 7.0, 200.0, 100.0])
    tw.run(260.0)
    r = src.ref
    assert host_rules_agree(r, 1000)
    assert r.spikes[1] and min(r.spikes[1]) >= 20 and max(r.spikes[1]) < 70
    assert r.spikes[2] and min(r.spikes[2]) >= 35 and max(r.spikes[2]) < 45
    assert set(r.spikes[3]) == set(range(100, 107))
    check_spikes(tw, src)


@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_poisson_variable_schedules(twin_factory, dt):
    tw = twin_factory(dt)
    k = 1.0 / dt                                   # rates scaled so lambda is dt-independent
    rates = [[5 * k, 3000 * k, 0.0, 25000 * k],
             [700 * k, 2 * k, 16000 * k],
             [0.0, 50 * k, 300 * k, 9 * k]]
    if dt == 0.1:
        rates = [[50.0, 36000.0, 0.0, 250000.0], [8000.0, 20.0, 160000.0],
                 [0.0, 500.0, 3000.0, 90.0]]
    starts = [[0.0, 40.0, 60.0, 80.0], [0.0, 30.0, 70.0], [0.0, 10.0, 50.0, 90.0]]
    durations = [[40.0, 20.0, 20.0, 15.0], [30.0, 40.0, 25.0], [10.0, 40.0, 40.0, 30.0]]
    src = poisson_variable(tw, 3, "variable", 31337, rates, starts, durations)
    tw.run(120.0)
    r = src.ref
    assert host_rules_agree(r, tw.ref.dt_us)
    to_tick = round(1 / dt)
    s0 = r.spikes[0]
    assert all(t < 95 * to_tick for t in s0)
    assert not [t for t in s0 if 60 * to_tick <= t < 80 * to_tick], "rate 0 entry is silent"
    assert len([t for t in s0 if 80 * to_tick <= t < 95 * to_tick]) > 300
    assert multi_spike_ticks(r) > 20
    check_spikes(tw, src, f"dt={dt}")


def test_poisson_variable_shared_schedule_without_durations(twin_factory):
    tw = twin_factory(1.0)
    src = poisson_variable(tw, 4, "shared", 5, rates=[3000.0, 5.0, 16000.0, 0.0, 700.0],
                           starts=[0.0, 25.0, 50.0, 60.0, 90.0])
    tw.run(130.0)
    r = src.ref
    assert host_rules_agree(r, 1000)
    for j in range(4):
        assert not [t for t in r.spikes[j] if 60 <= t < 90]
        assert [t for t in r.spikes[j] if t >= 90]
    check_spikes(tw, src)


def test_poisson_multi_run_resume(twin_factory):
    """run(40); run(35); run(45): on every resume the slow sources whose time_to_spike is 0
    (always so for rate 0) draw again (6.0 read_rates + resume_callback), shifting the core's
    stream; fast sources continue."""
    results = []
    for chunks in ([120.0], [40.0, 35.0, 45.0]):
        tw = twin_factory(1.0)
        src = poisson(tw, 4, "resumed", 2024, [0.0, 5.0, 3000.0, 16000.0])
        for c in chunks:
            tw.run(c)
        assert host_rules_agree(src.ref, 1000)
        results.append(src.ref.spikes)
        check_spikes(tw, src, f"runs {chunks}")
    assert results[0][2] != results[1][2], "scenario: the resume draws change the stream"
    assert [t for t in results[0][2] if t < 40] == [t for t in results[1][2] if t < 40]


def test_poisson_host_rules_sPyNNaker60(twin_factory):
    """6.0 host rule (spec ambiguity, see the module docstring): exp(-lambda) and sqrt(lambda)
    encoded with numpy.round, end tick = round(start/dt) + round(duration/dt), half-even.
    kernel.md §7.2 (5.x) would truncate and use round((start + duration)/dt)."""
    tw = twin_factory(1.0)
    rates = [100.0, 1000.0, 6000.0, 10000.0, 12.0]
    src = poisson(tw, 5, "host60", 99, rates, start=[10.5, 0.0, 2.5, 0.0, 0.0],
                  duration=[20.5, 300.0, 40.5, 300.0, 300.0])
    tw.run(150.0)
    r = src.ref
    assert not host_rules_agree(r, 1000)
    assert (r.entries[0][0]["start"], r.entries[0][0]["end"]) == (10, 30)   # 10 + 20 (5.x: 31)
    assert (r.entries[2][0]["start"], r.entries[2][0]["end"]) == (2, 42)    # 2 + 40 (5.x: 43)
    assert r.entries[3][0]["sqrt_lambda"] == 103622                        # 5.x: 103621
    check_spikes(tw, src)


# --------------------------------------------------------------------------------------------
# Poisson sources driving neurons
# --------------------------------------------------------------------------------------------
def test_slow_poisson_drives_lif(twin_factory):
    """Slow sources (lambda < 0.01): spikes_per_tick = 1 under every ring-buffer-shift rule."""
    tw = twin_factory(1.0)
    src = poisson(tw, 6, "slow", 8, [9.0, 8.0, 7.0, 9.0, 6.0, 9.0])
    post = tw.pop("IF_curr_exp", 2, "lif", tau_refrac=2.0, i_offset=0.5)
    conns = [(i, i % 2, 2.5, 1.0) for i in range(6)]
    pj = tw.from_list(src, post, conns)
    tw.run(400.0)
    assert tw.ref.shift(post.ref, "excitatory") == rm.ring_buffer_shift([(2.5, 3)], 1000)
    assert sum(len(s) for s in src.ref.spikes) > 10
    assert sum(len(s) for s in post.ref.spikes) > 0
    check_spikes(tw, src)
    check_population(tw, post)
    check_weights(tw, pj)


def test_fast_poisson_ring_buffer_shift_uses_max_spikes_per_tick(twin_factory):
    """6.0 (synaptic_manager.py): a Poisson pre-population contributes
    max_spikes_per_ts = ceil(poisson.ppf(1 - 1/1000, max_rate * dt)) + 1 spikes per tick to
    the ring-buffer statistics instead of max(1, 30 Hz * dt) (kernel.md §4.3 says 6.x uses
    max_spikes_per_ts but not its formula)."""
    tw = twin_factory(1.0)
    src = poisson(tw, 2, "fast", 13, [700.0, 3000.0])
    post = tw.pop("IF_curr_exp", 2, "lif", tau_refrac=2.0)
    pj = tw.from_list(src, post, [(0, 0, 0.4, 1.0), (1, 1, 0.4, 1.0)])
    tw.run(100.0)
    spt = rm.poisson_max_spikes_per_ts(3000.0, 1000)
    assert spt == 11.0                                        # ppf(0.999, 3.0) = 10, + 1
    assert tw.ref.shift(post.ref, "excitatory") == 3          # 11 * 0.4 = 4.4 -> 3
    assert rm.ring_buffer_shift([(0.4, 1)], 1000) == 0        # the 30 Hz default would give 0
    check_spikes(tw, src)
    check_population(tw, post)
    check_weights(tw, pj)
