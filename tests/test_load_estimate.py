"""Per-core load estimate: cycles of the busiest tick against a SpiNNaker core's budget."""
import pytest

import pynn_spinn_virtual as sim
from pynn_spinn_virtual import load_estimate


def test_budget_is_clock_times_tick_times_time_scale_factor():
    assert load_estimate.tick_budget(1.0, 1) == 200_000
    assert load_estimate.tick_budget(0.1, 1) == 20_000
    assert load_estimate.tick_budget(0.1, 10) == 200_000


def test_cycles_from_the_busiest_tick():
    maxima = {"max_neuron_updates": 256, "max_spikes_in": 10, "max_synaptic_events": 100,
              "max_plastic_events": 0, "max_spikes_out": 3}
    c = load_estimate.COSTS
    assert load_estimate.core_cycles(maxima) == (256 * c["neuron_updates"] + 10 * c["spikes_in"]
                                                 + 100 * c["synaptic_events"]
                                                 + 3 * c["spikes_out"])


def test_a_quiet_core_fits_and_a_flooded_core_is_flagged(simulation):
    """1000 sources firing together into 256 neurons (all-to-all): one tick carries
    256,000 synaptic events, far more than a core handles in 1 ms; a single neuron driven by
    one source stays far below the budget."""
    burst = sim.Population(1000, sim.SpikeSourceArray(spike_times=[5.0]), label="burst")
    single = sim.Population(1, sim.SpikeSourceArray(spike_times=[5.0]), label="single")
    flooded = sim.Population(256, sim.IF_curr_exp(), label="flooded")
    quiet = sim.Population(1, sim.IF_curr_exp(), label="quiet")
    sim.Projection(burst, flooded, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.001))
    sim.Projection(single, quiet, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.1))
    with pytest.warns(load_estimate.LoadWarning, match=r"flooded\(0:255\).*time_scale_factor"):
        sim.run(10.0)
    loads = {load.label: load for load in sim.simulator.state.core_loads()}
    assert loads["flooded(0:255)"].overruns
    assert loads["flooded(0:255)"].busiest["max_synaptic_events"] == 256_000
    assert loads["flooded(0:255)"].busiest["max_spikes_in"] == 1000
    assert not loads["quiet(0:0)"].overruns
    assert loads["quiet(0:0)"].fraction < 0.01


def test_a_larger_time_scale_factor_removes_the_overrun(fresh):
    fresh(1.0, time_scale_factor=100)
    burst = sim.Population(100, sim.SpikeSourceArray(spike_times=[5.0]), label="burst")
    post = sim.Population(256, sim.IF_curr_exp(), label="post")
    sim.Projection(burst, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.001))
    sim.run(10.0)
    (load,) = sim.simulator.state.core_loads()
    assert not load.overruns
    assert load.budget == 20_000_000
