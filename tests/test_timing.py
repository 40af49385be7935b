"""When things happen, tick by tick, through the public PyNN API (profile "6").

The machine's order inside one tick (spec/kernel.md §2): ring-buffer slot -> synaptic input,
record (pre-update values), neuron update, threshold, reset; a spike emitted in tick t lands
in ring-buffer slot t + d.  So, for a SpikeSourceArray spike at tick s through a delay of d
ticks:

* gsyn_exc recorded at tick s + d is the first non-zero value (the input is added to the
  synapse before recording);
* v recorded at tick s + d + 1 is the first value that moved (v is recorded before the
  update that integrates that input).

And after a spike at tick t the membrane is frozen for exactly T_refract = ceil(tau_refrac/dt)
ticks (t+1 .. t+T), integrating again at tick t+T+1.  Because row k holds v at the *start* of
tick k, the rows t+1 .. t+T+1 all read v_reset: the reset row followed by T frozen rows.
"""
import math

import numpy as np
import pytest

import pynn_spinn_virtual as sim




def _rows(pop, name, segment=0):
    seg = pop.get_data(name).segments[segment]
    return np.asarray(seg.filter(name=name)[0].magnitude)


def _spike_ticks(pop, dt, segment=0):
    seg = pop.get_data("spikes").segments[segment]
    return [np.round(st.magnitude / dt).astype(int).tolist() for st in seg.spiketrains]


# ---------------------------------------------------------------------------------------------
# synaptic delay: gsyn at s+d, v at s+d+1
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt,s,d", [(1.0, 2, 1), (1.0, 0, 1), (1.0, 3, 5), (1.0, 1, 16),
                                    (0.1, 7, 1), (0.1, 4, 12)])
def test_input_reaches_gsyn_at_s_plus_d_and_v_one_tick_later(fresh, dt, s, d):
    fresh(dt)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[s * dt]), label="src")
    post = sim.Population(1, sim.IF_curr_exp(), label="post")
    sim.Projection(src, post, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=1.0, delay=d * dt), label="src->post")
    post.record(["v", "gsyn_exc"])
    n = s + d + 6
    sim.run(n * dt)
    gsyn = _rows(post, "gsyn_exc")[:, 0]
    v = _rows(post, "v")[:, 0]
    assert gsyn.shape == (n,) and v.shape == (n,)
    nonzero = np.nonzero(gsyn)[0]
    assert nonzero.size, "the input never arrived"
    assert nonzero[0] == s + d, f"gsyn_exc first non-zero at tick {nonzero[0]}, expected {s + d}"
    moved = np.nonzero(v != v[0])[0]
    assert moved[0] == s + d + 1, f"v first moved at tick {moved[0]}, expected {s + d + 1}"
    assert v[0] == -65.0


def test_inhibitory_input_timing_matches_excitatory(fresh):
    fresh(1.0)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[4.0]), label="src")
    post = sim.Population(1, sim.IF_curr_exp(), label="post")
    sim.Projection(src, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=1.0, delay=3),
                   receptor_type="inhibitory")
    post.record(["v", "gsyn_inh", "gsyn_exc"])
    sim.run(15)
    gsyn = _rows(post, "gsyn_inh")[:, 0]
    v = _rows(post, "v")[:, 0]
    assert np.nonzero(gsyn)[0][0] == 7
    assert np.nonzero(v != v[0])[0][0] == 8
    assert v[8] < v[0], "inhibition must lower v"
    assert not np.any(_rows(post, "gsyn_exc"))


def test_spike_of_a_neuron_is_stamped_with_its_tick_and_propagates(fresh):
    """A neuron spike in tick t (threshold crossed by tick t's update) is stamped t*dt; with a
    delay d it reaches the next neuron's gsyn at t+d."""
    fresh(1.0)
    a = sim.Population(1, sim.IF_curr_exp(i_offset=5.0), label="a")
    b = sim.Population(1, sim.IF_curr_exp(), label="b")
    sim.Projection(a, b, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.5, delay=4))
    a.record(["spikes", "v"])
    b.record("gsyn_exc")
    sim.run(20)
    t = _spike_ticks(a, 1.0)[0][0]
    v = _rows(a, "v")[:, 0]
    assert v[t] < -50.0 <= v[t] + 10, "the row of the spike tick holds the pre-update v"
    assert v[t + 1] == -65.0, "the next row holds the reset value"
    gsyn = _rows(b, "gsyn_exc")[:, 0]
    assert np.nonzero(gsyn)[0][0] == t + 4


# ---------------------------------------------------------------------------------------------
# refractory period
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt,tau_refrac", [(1.0, 2.0), (1.0, 3.5), (1.0, 0.1), (1.0, 0.0),
                                           (0.1, 0.25), (0.1, 1.1), (1.0, 5.0)])
def test_refractory_period_freezes_v_for_exactly_t_refract_ticks(fresh, dt, tau_refrac):
    fresh(dt)
    t_refract = math.ceil(tau_refrac / dt)   # 1.1/0.1 = 11.000000000000002 -> 12, as 6.x
    pop = sim.Population(1, sim.IF_curr_exp(i_offset=5.0, tau_refrac=tau_refrac, v_reset=-70.0),
                         label="p")
    pop.record(["v", "spikes"])
    n = int(round(60.0 / dt)) if dt < 1 else 60
    sim.run(n * dt)
    v = _rows(pop, "v")[:, 0]
    spikes = _spike_ticks(pop, dt)[0]
    assert len(spikes) >= 2, "scenario: the neuron must fire at least twice"
    for t in spikes[:-1]:
        if t + t_refract + 2 >= n:
            break
        after = v[t + 1:]
        at_reset = int(np.argmax(after != -70.0))    # rows equal to v_reset after the spike row
        assert at_reset == t_refract + 1, (
            f"after the spike at tick {t}: {at_reset} rows at v_reset, expected the reset row "
            f"+ {t_refract} frozen rows; rows {v[t:t + t_refract + 4].tolist()}")
        frozen = int(np.sum(np.diff(v[t + 1:t + t_refract + 3]) == 0))
        assert frozen == t_refract, f"{frozen} frozen ticks, expected T_refract={t_refract}"
    # the next spike can only come after the refractory period
    assert np.all(np.diff(spikes) > t_refract)


def test_inputs_keep_arriving_during_refractory_period(fresh):
    fresh(1.0)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[6.0]), label="src")
    pop = sim.Population(1, sim.IF_curr_exp(i_offset=5.0, tau_refrac=5.0), label="p")
    sim.Projection(src, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=1.0, delay=1))
    pop.record(["v", "gsyn_exc", "spikes"])
    sim.run(12)
    first = _spike_ticks(pop, 1.0)[0][0]
    assert first <= 5, "scenario: the input must arrive during the refractory period"
    gsyn = _rows(pop, "gsyn_exc")[:, 0]
    assert gsyn[7] > 0 and gsyn[8] < gsyn[7], "the synapse receives and decays while frozen"


# ---------------------------------------------------------------------------------------------
# continuing runs and reset
# ---------------------------------------------------------------------------------------------
def _network(dt=1.0, seed=3):
    rng = np.random.default_rng(seed)
    times = [sorted(set(np.round(rng.uniform(0, 38, 6)).tolist())) for _ in range(8)]
    times = [[t * dt for t in ts] for ts in times]
    src = sim.Population(8, sim.SpikeSourceArray(spike_times=times), label="src")
    exc = sim.Population(5, sim.IF_curr_exp(i_offset=0.3, tau_refrac=2.0), label="exc")
    inh = sim.Population(3, sim.IF_curr_exp(tau_syn_I=3.0), label="inh")
    sim.Projection(src, exc, sim.AllToAllConnector(), sim.StaticSynapse(weight=1.3, delay=2 * dt))
    sim.Projection(src, inh, sim.FixedProbabilityConnector(0.5, rng=sim.NumpyRNG(seed=7)),
                   sim.StaticSynapse(weight=2.0, delay=dt))
    sim.Projection(exc, inh, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.8, delay=3 * dt))
    sim.Projection(inh, exc, sim.AllToAllConnector(), sim.StaticSynapse(weight=1.5, delay=5 * dt),
                   receptor_type="inhibitory")
    for p in (exc, inh):
        p.record(["spikes", "v", "gsyn_exc", "gsyn_inh"])
    return exc, inh


def _segment_arrays(pop, segment):
    seg = pop.get_data().segments[segment]
    out = {a.name: np.asarray(a.magnitude) for a in seg.analogsignals}
    out["spikes"] = [st.magnitude.tolist() for st in seg.spiketrains]
    return out


def _assert_same(a, b, what):
    assert a.keys() == b.keys()
    for k in a:
        if k == "spikes":
            assert a[k] == b[k], f"{what}: spikes differ"
        else:
            assert np.array_equal(a[k], b[k]), f"{what}: {k} differs"


def test_two_runs_equal_one_run_bit_for_bit(fresh):
    fresh(1.0)
    exc, inh = _network()
    sim.run(20)
    sim.run(20)
    split = [_segment_arrays(p, 0) for p in (exc, inh)]
    assert split[0]["v"].shape == (40, 5)
    sim.end()

    fresh(1.0)
    exc, inh = _network()
    sim.run(40)
    whole = [_segment_arrays(p, 0) for p in (exc, inh)]
    for a, b in zip(split, whole):
        _assert_same(a, b, "run(20); run(20) vs run(40)")
    assert sum(len(s) for s in whole[0]["spikes"]) > 0, "scenario: the network must spike"


def test_uneven_run_lengths_equal_one_run(fresh):
    fresh(0.1)
    exc, inh = _network(0.1)
    for t in (0.3, 1.7, 2.0):
        sim.run(t)
    split = _segment_arrays(exc, 0)
    assert split["v"].shape == (40, 5)
    sim.end()
    fresh(0.1)
    exc, inh = _network(0.1)
    sim.run(4.0)
    _assert_same(split, _segment_arrays(exc, 0), "three runs vs one at dt=0.1")


def test_reset_starts_from_initial_state_and_reproduces_segment0(fresh):
    fresh(1.0)
    exc, inh = _network()
    exc.initialize(v=np.linspace(-70.0, -55.0, 5))
    sim.run(40)
    sim.reset()
    assert sim.get_current_time() == 0.0
    sim.run(40)
    block = exc.get_data()
    assert [s.name for s in block.segments] == ["segment0", "segment1"]
    seg0, seg1 = _segment_arrays(exc, 0), _segment_arrays(exc, 1)
    assert np.allclose(seg1["v"][0], np.linspace(-70.0, -55.0, 5), atol=2 ** -15)
    _assert_same(seg0, seg1, "segment1 after reset vs segment0")
    _assert_same(_segment_arrays(inh, 0), _segment_arrays(inh, 1), "inh after reset")


def test_reset_mid_way_restarts_from_initial_state(fresh):
    fresh(1.0)
    exc, inh = _network()
    sim.run(40)
    full = _segment_arrays(exc, 0)
    sim.reset()
    sim.run(25)         # a shorter second segment
    seg1 = _segment_arrays(exc, 1)
    assert seg1["v"].shape == (25, 5)
    assert np.array_equal(seg1["v"], full["v"][:25])
    assert seg1["spikes"] == [[t for t in s if t < 25] for s in full["spikes"]]


def test_set_between_runs_takes_effect_in_the_next_run(fresh):
    fresh(1.0)
    pop = sim.Population(2, sim.IF_curr_exp(), label="p")
    pop.record(["v", "spikes"])
    sim.run(10)
    pop.set(i_offset=np.array([0.0, 5.0]))
    sim.run(10)
    v = _rows(pop, "v")
    assert np.all(v[:, 0] == -65.0)
    assert np.all(v[:11, 1] == -65.0), "the new i_offset acts from the first tick of run 2"
    assert v[11, 1] > -65.0
