"""Projection.get() before and after the first run, Projection.connections (PyNN's
per-connection objects) and get() of plasticity parameters."""
import warnings

import numpy as np
import pytest
from pyNN import common, errors

import pynn_spinn_virtual as sim


def _pair(n_src=2, n_post=2):
    src = sim.Population(n_src, sim.SpikeSourceArray(spike_times=[1.0]), label="src")
    post = sim.Population(n_post, sim.IF_curr_exp(), label="post")
    return src, post


def _quiet_run(t):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.run(t)


# ---------------------------------------------------------------------------------------------
# get() before the first run: the host's values; afterwards: the machine's
# ---------------------------------------------------------------------------------------------
def test_get_before_the_first_run_returns_the_requested_values(fresh):
    fresh(0.1)
    src, post = _pair()
    prj = sim.Projection(src, post, sim.FromListConnector([(0, 0, 0.3, 0.5), (1, 1, 0.015, 1.0)]),
                         sim.StaticSynapse())
    rows = prj.get(["weight", "delay"], format="list")
    assert rows == [(0, 0, 0.3, 0.5), (1, 1, 0.015, 1.0)]
    weights, delays = prj.get(["weight", "delay"], format="array")
    assert weights[0, 0] == 0.3 and weights[1, 1] == 0.015 and np.isnan(weights[0, 1])
    assert delays[0, 0] == 0.5 and delays[1, 1] == 1.0
    assert sim.simulator.state.mapping is None, "a get() before the run maps nothing"

    _quiet_run(1.0)
    w = np.array(prj.get("weight", format="list", with_address=False))
    assert not np.any(w == [0.3, 0.015]), "after a run: the machine's 16-bit weights"
    assert np.allclose(w, [0.3, 0.015], atol=2 ** -12)
    assert np.all(np.round(w * 2 ** 16) == w * 2 ** 16)

    sim.reset()
    assert prj.get("weight", format="list", with_address=False) == list(w), \
        "after reset() the network is still on the machine"


def test_delays_before_the_first_run_are_rounded_to_whole_timesteps(fresh):
    fresh(0.1)
    src, post = _pair()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prj = sim.Projection(src, post, sim.AllToAllConnector(),
                             sim.StaticSynapse(weight=0.5, delay=0.34))
    delays = np.array(prj.get("delay", format="list", with_address=False))
    assert np.allclose(delays, 0.3)


def test_a_new_setup_returns_requested_values_again(fresh):
    fresh(1.0)
    src, post = _pair()
    prj = sim.Projection(src, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.37))
    _quiet_run(2.0)
    assert prj.get("weight", format="list")[0][2] == 12124 / 32768
    fresh(1.0)
    src, post = _pair()
    prj = sim.Projection(src, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.37))
    assert prj.get("weight", format="list")[0][2] == 0.37


def test_plastic_weights_before_the_first_run_are_the_initial_ones(fresh):
    """PyNN's scenario 3: uniform initial weights in [w_min, w_max) read back below w_max
    before the run (after it, they are the machine's and may round up one level)."""
    fresh(1.0)
    w_max = 0.0025
    src = sim.Population(20, sim.SpikeSourcePoisson(rate=20.0), label="src")
    post = sim.Population(3, sim.IF_cond_exp(), label="post")
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.01,
                                            A_minus=0.01),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=w_max))
    prj = sim.Projection(src, post, sim.AllToAllConnector(), stdp)
    prj.set(weight=sim.RandomDistribution("uniform", low=0.0, high=w_max,
                                          rng=sim.NumpyRNG(seed=3)))
    initial = prj.get("weight", format="array")
    assert initial.max() < w_max and initial.min() >= 0.0
    assert np.array_equal(initial[prj._conn_pre, prj._conn_post], prj._conn_weight)
    _quiet_run(200.0)
    final = prj.get("weight", format="array")
    assert not np.array_equal(final, initial)


# ---------------------------------------------------------------------------------------------
# Projection.connections
# ---------------------------------------------------------------------------------------------
def test_connections_are_pynn_connection_objects(fresh):
    fresh(0.1)
    src, post = _pair(4, 3)
    prj = sim.Projection(src, post, sim.FixedProbabilityConnector(0.7, rng=sim.NumpyRNG(seed=1)),
                         sim.StaticSynapse(weight=0.05, delay=0.5))
    connections = list(prj.connections)
    assert len(connections) == len(prj) > 0
    assert all(isinstance(c, common.Connection) for c in connections)
    rows = prj.get(["weight", "delay"], format="list")
    assert [c.as_tuple("presynaptic_index", "postsynaptic_index", "weight", "delay")
            for c in connections] == rows
    assert list(prj)[0].as_tuple("presynaptic_index") == connections[0].as_tuple(
        "presynaptic_index")
    assert prj[-1].postsynaptic_index == connections[-1].postsynaptic_index
    with pytest.raises(IndexError):
        prj[len(prj)]
    with pytest.raises(AttributeError):
        connections[0].tau_plus


def test_setting_one_connection_changes_only_that_one(fresh):
    fresh(0.1)
    src, post = _pair(4, 3)
    prj = sim.Projection(src, post, sim.AllToAllConnector(),
                         sim.StaticSynapse(weight=0.05, delay=0.5))
    connections = list(prj.connections)
    assert connections[2].weight == 0.05 and connections[2].delay == 0.5
    connections[2].weight = 0.0123
    connections[2].delay = 1.0
    expected = np.tile([0.05, 0.5], (len(prj), 1))
    expected[2] = [0.0123, 1.0]
    got = np.array(prj.get(("weight", "delay"), format="list", with_address=False))
    assert np.array_equal(got, expected)
    assert connections[2].weight == 0.0123
    with pytest.raises(errors.ConnectionError, match="below one timestep"):
        connections[0].delay = 0.01


def test_the_changed_connection_is_what_runs(fresh):
    fresh(1.0)
    src, post = _pair()
    prj = sim.Projection(src, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.5, delay=1))
    prj[1].delay = 4.0
    post.record("gsyn_exc")
    _quiet_run(8.0)
    g = post.get_data().segments[0].filter(name="gsyn_exc")[0].magnitude
    first = [int(np.argmax(g[:, j] > 0)) for j in range(2)]
    assert first[1] - first[0] == 3, "neuron 1's input arrives three ticks later"


def test_connection_changes_are_refused_between_runs_without_reset(fresh):
    fresh(1.0)
    src, post = _pair()
    prj = sim.Projection(src, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.5, delay=1))
    _quiet_run(2.0)
    connection = prj[0]
    with pytest.raises(NotImplementedError, match="reset"):
        connection.weight = 1.0
    sim.reset()
    connection.weight = 1.0
    _quiet_run(1.0)
    assert prj.get("weight", format="list")[0][2] == 1.0


# ---------------------------------------------------------------------------------------------
# get() of the plasticity rule's parameters
# ---------------------------------------------------------------------------------------------
def test_get_stdp_parameters_by_name(fresh):
    """PyNN's issue 652: get(["A_plus", "A_minus"]) (names ending in 's' stay as they are)."""
    fresh(1.0)
    a = sim.Population(10, sim.IF_cond_exp(), label="a")
    b = sim.Population(10, sim.IF_cond_exp(), label="b")
    stdp = sim.STDPMechanism(
        weight=0.5,
        timing_dependence=sim.SpikePairRule(tau_plus=20, tau_minus=15, A_plus=0.0, A_minus=0.5),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0, w_max=1))
    prj = sim.Projection(a, b, sim.FixedNumberPreConnector(5, rng=sim.NumpyRNG(seed=2)), stdp)
    a_plus, a_minus, tau_minus = prj.get(["A_plus", "A_minus", "tau_minus"], format="array")
    connected = ~np.isnan(a_plus)
    assert connected.sum() == len(prj) == 50
    assert np.all(a_plus[connected] == 0.0) and np.all(a_minus[connected] == 0.5)
    assert np.all(tau_minus[connected] == 15.0)
    assert np.array_equal(np.isnan(a_minus), ~connected)
    rows = prj.get(["weight", "w_max"], format="list")
    assert {(r[2], r[3]) for r in rows} == {(0.5, 1.0)}
    assert prj[0].A_minus == 0.5 and prj[0].w_max == 1.0
    with pytest.raises(errors.NonExistentParameterError):
        prj.get("A_pluss", format="array")
