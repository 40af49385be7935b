"""End-to-end determinism: the same PyNN script with the same seeds gives bit-identical Neo
data -- in two fresh setups, with 1 or 2 kernel threads, whether run(T) is one call or two
calls run(T/2), and again after reset().

The script mixes what can break determinism: Poisson sources (seeded by the population's
``seed=``, the toolchain's convention), connectors and RandomDistributions with seeded
generators, several neuron models, current-based and conductance-based inputs, delays long
enough to need delay-extension cores (up to 60 ticks), and an STDP projection whose weights
are read back after the run.
"""
import warnings

import numpy as np
import pytest
from pyNN.random import NumpyRNG, RandomDistribution

import pynn_spinn_virtual as sim

T = 120.0


def _build(n_threads):
    sim.setup(timestep=1.0, n_threads=n_threads)
    noise = sim.Population(24, sim.SpikeSourcePoisson(rate=60.0), label="noise", seed=4242)
    burst = sim.Population(3, sim.SpikeSourceArray(spike_times=[[5.0, 6.0, 40.0],
                                                                [12.0, 70.0], [33.0]]),
                           label="burst")
    exc = sim.Population(30, sim.IF_curr_exp(tau_m=15.0, i_offset=0.2), label="exc")
    izh = sim.Population(8, sim.Izhikevich(i_offset=0.0), label="izh")
    cond = sim.Population(6, sim.IF_cond_exp(), label="cond")
    exc.initialize(v=RandomDistribution("uniform", (-65.0, -55.0), rng=NumpyRNG(seed=7)))
    rng = NumpyRNG(seed=99)
    sim.Projection(noise, exc, sim.FixedProbabilityConnector(0.3, rng=rng),
                   sim.StaticSynapse(weight=RandomDistribution("uniform", (0.5, 2.0), rng=rng),
                                     delay=RandomDistribution("uniform", (1.0, 60.0), rng=rng)),
                   receptor_type="excitatory", label="noise->exc")
    sim.Projection(burst, exc, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight=3.0, delay=17.0), label="burst->exc")
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=16.0, tau_minus=20.0, A_plus=0.02,
                                            A_minus=0.021),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=2.0),
        weight=0.8, delay=RandomDistribution("uniform", (1.0, 40.0), rng=NumpyRNG(seed=5)))
    plastic = sim.Projection(exc, izh, sim.FixedProbabilityConnector(0.5, rng=NumpyRNG(seed=3)),
                             stdp, receptor_type="excitatory", label="exc->izh (STDP)")
    sim.Projection(exc, cond, sim.FixedProbabilityConnector(0.4, rng=NumpyRNG(seed=11)),
                   sim.StaticSynapse(weight=0.01, delay=25.0), receptor_type="excitatory",
                   label="exc->cond")
    sim.Projection(izh, exc, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.5, delay=3.0),
                   receptor_type="inhibitory", label="izh->exc")
    noise.record("spikes")
    exc.record(["spikes", "v"])
    izh.record(["spikes", "v"], sampling_interval=2.0)
    cond.record(["gsyn_exc", "v"])
    return [noise, exc, izh, cond], plastic


def _data(populations, plastic):
    """Everything recorded, as plain arrays: {(population, segment, name): array}."""
    out = {}
    for pop in populations:
        block = pop.get_data()
        for s, segment in enumerate(block.segments):
            for i, train in enumerate(segment.spiketrains):
                out[(pop.label, s, f"spikes{i}")] = np.asarray(train.magnitude)
            for signal in segment.analogsignals:
                out[(pop.label, s, signal.name)] = np.asarray(signal.magnitude)
                out[(pop.label, s, signal.name + ".t")] = np.asarray(signal.times.magnitude)
    out[("plastic", "weights")] = np.asarray(plastic.get("weight", format="array"))
    out[("plastic", "delays")] = np.asarray(plastic.get("delay", format="array"))
    return out


def _simulate(n_threads=0, pieces=1, reset_and_repeat=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # the portal's seeded-rng warnings
        populations, plastic = _build(n_threads)
        for _ in range(pieces):
            sim.run(T / pieces)
        if reset_and_repeat:
            first = _data(populations, plastic)
            sim.reset()
            sim.run(T)
            return first, _data(populations, plastic)
        data = _data(populations, plastic)
        sim.end()
        return data


def _assert_identical(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].shape == b[key].shape, key
        # bit for bit (NaN where no connection, in the same places)
        assert np.array_equal(a[key], b[key], equal_nan=True), key


@pytest.fixture(scope="module")
def reference():
    data = _simulate()
    # not vacuous: the network is active, learns, and records
    n_spikes = sum(len(v) for k, v in data.items() if k[0] == "exc" and k[2].startswith("spikes"))
    izh_spikes = sum(len(v) for k, v in data.items() if k[0] == "izh" and k[2].startswith("spikes"))
    assert n_spikes > 30 and izh_spikes > 0, (n_spikes, izh_spikes)
    weights = data[("plastic", "weights")]
    learnt = weights[np.isfinite(weights)]
    assert len(learnt) > 50 and np.any(learnt != 0.8), "STDP changed nothing"
    assert data[("exc", 0, "v")].shape == (int(T), 30)
    assert data[("izh", 0, "v")].shape == (int(T) // 2, 8)
    return data


def test_two_fresh_runs_are_bit_identical(reference):
    _assert_identical(reference, _simulate())


@pytest.mark.parametrize("n_threads", [1, 2])
def test_thread_count_does_not_change_results(reference, n_threads):
    _assert_identical(reference, _simulate(n_threads=n_threads))


def test_run_in_two_halves_equals_one_run(reference):
    _assert_identical(reference, _simulate(pieces=2))


def test_run_in_many_pieces_equals_one_run(reference):
    _assert_identical(reference, _simulate(pieces=6))


def test_after_reset_the_run_repeats_bit_for_bit(reference):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first, after_reset = _simulate(reset_and_repeat=True)
        sim.end()
    _assert_identical(reference, first)
    # segment 0 is unchanged, segment 1 equals segment 0 (state, Poisson generators and
    # plastic weights all start again)
    for key, value in reference.items():
        if key[0] == "plastic":
            continue
        label, segment, name = key
        assert np.array_equal(after_reset[key], value, equal_nan=True), key
        assert np.array_equal(after_reset[(label, 1, name)], value, equal_nan=True), key
    _assert_identical({k: v for k, v in reference.items() if k[0] == "plastic"},
                      {k: v for k, v in after_reset.items() if k[0] == "plastic"})


def test_host_threads_do_not_change_results(reference, monkeypatch):
    """The connectors' random parameters and the mapper's projections are worked on in
    threads above a size (threads.run_all); forced on for this small network, the results
    are the same bits."""
    from pynn_spinn_virtual import fast_connectors
    from pynn_spinn_virtual.mapping import synapses
    monkeypatch.setattr(fast_connectors, "PARALLEL_DRAW_MIN", 0)
    monkeypatch.setattr(synapses, "PARALLEL_ENCODE_MIN", 0)
    _assert_identical(reference, _simulate())


def test_threads_give_results_in_order_and_the_first_error():
    from pynn_spinn_virtual import threads

    def fail(message):
        raise ValueError(message)
    assert threads.run_all([lambda k=k: k * k for k in range(5)]) == [0, 1, 4, 9, 16]
    with pytest.raises(ValueError, match="first"):
        threads.run_all([lambda: 1, lambda: fail("first"), lambda: fail("second")])
