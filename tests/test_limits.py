"""The machine's and the toolchain's limits, as docs/limits.md lists them: each row of that
table that is not proven elsewhere is proven here (the others cite their tests)."""
import dataclasses
import logging

import numpy as np
import pytest
from pyNN import errors

import pynn_spinn_virtual as sim
from pynn_spinn_virtual.exceptions import (ConfigurationError, MappingError, NetworkChangedError,
                                           ParameterError, SimulatorShutdownError)
from pynn_spinn_virtual import mapping


@pytest.fixture(autouse=True)
def _setup(fresh):
    fresh(1.0)


def _driven(n=3, label="driven"):
    return sim.Population(n, sim.IF_curr_exp(i_offset=2.0), label=label)


# -- delays -------------------------------------------------------------------------------
def test_zero_delay_is_refused_naming_the_projection():
    pop = _driven()
    with pytest.raises(errors.ConnectionError, match="'zero'.*delay 0.0 ms is below one timestep"):
        sim.Projection(pop, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=1, delay=0.0),
                       label="zero")


def test_fractional_delays_are_rounded_to_whole_ticks_with_a_warning():
    pop = _driven()
    with pytest.warns(UserWarning, match="'frac'.*rounded to whole timesteps"):
        prj = sim.Projection(pop, pop, sim.OneToOneConnector(),
                             sim.StaticSynapse(weight=1, delay=2.6), label="frac")
    assert {d for _, _, d in prj.get("delay", format="list")} == {3.0}


def test_delays_the_expander_shortens_are_reported(fresh):
    """At dt = 0.1 ms the on-chip expander's s16.15 delay conversion loses a tick for some
    delays (0.3 ms -> 2 ticks, docs/toolchain6.md): the machine's delay is reported."""
    fresh(0.1)
    pop = _driven()
    prj = sim.Projection(pop, pop, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1, delay=0.3),
                         label="short by one")
    assert prj._can_use_expander
    with pytest.warns(UserWarning, match=r"'short by one': 9 of 9 delays differ .* 0.3 ms is "
                                         r"0.2 ms"):
        sim.run(1.0)
    assert {round(d, 6) for _, _, d in prj.get("delay", format="list")} == {0.2}


# -- network changes without reset(): refused, and nothing is lost ------------------------
@pytest.mark.parametrize("change", ["population", "projection", "current source"])
def test_network_change_after_a_run_is_refused_and_the_data_is_kept(change):
    pop = _driven()
    pop.record(["spikes", "v"])
    sim.run(20)
    before = pop.get_data()
    if change == "population":
        sim.Population(2, sim.IF_curr_exp(), label="late")
    elif change == "projection":
        sim.Projection(pop, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.1, delay=1))
    if change == "current source":
        with pytest.raises(NotImplementedError, match="after reset"):
            sim.DCSource(amplitude=1.0).inject_into(pop)
    else:
        with pytest.raises(NetworkChangedError, match="reset"):
            sim.run(10)
    assert sim.get_current_time() == 20.0
    after = pop.get_data()
    assert after.segments[0].analogsignals[0].shape == (20, 3)
    np.testing.assert_array_equal(after.segments[0].analogsignals[0].magnitude,
                                  before.segments[0].analogsignals[0].magnitude)
    assert sum(len(t) for t in after.segments[0].spiketrains) > 0
    sim.reset()
    sim.run(10)
    block = pop.get_data()
    assert [s.analogsignals[0].shape for s in block.segments] == [(20, 3), (10, 3)]


def test_parameter_change_between_runs_is_allowed_but_a_refused_one_changes_nothing():
    pop = _driven()
    pop.record("v")
    sim.run(5)
    with pytest.raises(ParameterError, match="'driven'.*S1615"):
        pop.set(v_rest=1e6)
    assert pop.get("v_rest") == -65.0
    pop.set(v_rest=-60.0)
    sim.run(5)
    assert pop.get_data().segments[0].analogsignals[0].shape == (10, 3)


# -- setup and end -----------------------------------------------------------------------
def test_setup_twice_warns_and_starts_afresh():
    _driven()
    sim.run(5)
    with pytest.warns(UserWarning, match="setup\\(\\) called again"):
        sim.setup(timestep=1.0)
    assert sim.get_current_time() == 0.0
    assert sim.simulator.state.populations == []


# -- recording -----------------------------------------------------------------------------
def test_one_sampling_interval_per_variable():
    """The toolchain keeps one interval per variable: different variables may differ; a
    new interval for part of a variable's neurons, or within a segment, is refused."""
    pop = _driven(4, label="rec")
    pop.record("v", sampling_interval=2.0)
    pop.record("gsyn_exc", sampling_interval=3.0)            # another variable: fine
    with pytest.raises(ConfigurationError, match="'rec'.*multiple sampling_intervals for v"):
        pop[0:2].record("v", sampling_interval=1.0)
    sim.run(12)
    with pytest.raises(ConfigurationError, match="'rec'.*v was recorded every 2 .* reset"):
        pop.record("v", sampling_interval=4.0)
    block = pop.get_data()
    shapes = {s.name: s.shape for s in block.segments[0].analogsignals}
    assert shapes == {"v": (6, 4), "gsyn_exc": (4, 4)}
    sim.reset()
    pop.record("v", sampling_interval=4.0)                   # a new segment: fine
    sim.run(12)
    assert {s.name: s.shape[0] for s in pop.get_data().segments[1].analogsignals} == \
        {"v": 3, "gsyn_exc": 4}


# -- models and parameters -----------------------------------------------------------------
@pytest.mark.parametrize("rule, match", [
    (dict(tau_plus=0.0), "SpikePairRule: tau_plus = 0.0 ms must be > 0"),
    (dict(A_minus=float("nan")), "SpikePairRule: A_minus = nan must be a finite number"),
    (dict(tau_minus=1e9), "tau_minus = 1e\\+09 ms needs an exponential lookup table"),
])
def test_stdp_parameters_the_machine_cannot_hold(rule, match):
    params = dict(tau_plus=20.0, tau_minus=20.0, A_plus=0.01, A_minus=0.01)
    params.update(rule)
    with pytest.raises(ParameterError, match=match):
        sim.STDPMechanism(timing_dependence=sim.SpikePairRule(**params),
                          weight_dependence=sim.AdditiveWeightDependence(w_min=0, w_max=1),
                          weight=0.5, delay=1.0)


def test_stdp_amplitude_beyond_the_weight_word():
    pre, post = _driven(label="pre"), _driven(label="post")
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=20, tau_minus=20, A_plus=1e6, A_minus=0.01),
        weight_dependence=sim.MultiplicativeWeightDependence(w_min=0, w_max=1),
        weight=0.5, delay=1.0)
    sim.Projection(pre, post, sim.OneToOneConnector(), stdp)
    with pytest.raises(MappingError, match="'post'.*STDP.*32-bit"):
        sim.run(1)


@pytest.mark.parametrize("make, match", [
    (lambda: sim.DCSource(amplitude=1e6), "DCSource: .*S1615"),
    (lambda: sim.StepCurrentSource(times=[1.0, 2.0], amplitudes=[1.0, float("inf")]),
     "StepCurrentSource: .*inf.*S1615"),
    (lambda: sim.ACSource(amplitude=float("nan")), "ACSource: amplitude must not be NaN"),
])
def test_current_source_values_beyond_s1615_are_refused_at_once(make, match):
    with pytest.raises(ParameterError, match=match):
        make()


def test_refused_current_source_set_changes_nothing():
    source = sim.DCSource(amplitude=1.0)
    with pytest.raises(ParameterError, match="DCSource"):
        source.set_parameters(amplitude=1e9)
    assert source.amplitude == 1.0


def test_refused_population_leaves_nothing_behind():
    with pytest.raises(ParameterError, match="'bad'"):
        sim.Population(2, sim.IF_curr_exp(cm=0.0), label="bad")
    pop = sim.Population(2, sim.IF_curr_exp(i_offset=2.0), label="bad")
    assert pop.label == "bad" and int(pop.first_id) == 0
    pop.record("v")
    sim.run(5)
    assert pop.get_data().segments[0].analogsignals[0].shape == (5, 2)


def test_unknown_receptor_names_the_projection():
    pop = _driven()
    with pytest.raises(errors.ConnectionError, match="'to nowhere'.*'excitatory2'.*'driven'"):
        sim.Projection(pop, pop, sim.OneToOneConnector(), receptor_type="excitatory2",
                       label="to nowhere")


def test_from_list_index_out_of_range_names_the_projection():
    pop = _driven()
    with pytest.raises(errors.ConnectionError, match="'listed'.*index 3 is out of range"):
        sim.Projection(pop, pop, sim.FromListConnector([(3, 0, 1.0, 1.0)]), label="listed")


@pytest.mark.parametrize("connector", [sim.FixedNumberPreConnector, sim.FixedNumberPostConnector])
def test_fixed_number_zero_connects_nothing(connector):
    pop = _driven()
    prj = sim.Projection(pop, pop, connector(0, with_replacement=False), label="none")
    assert len(prj) == 0
    sim.run(2)
    assert prj.get("weight", format="list") == []


def test_negative_weights_on_any_excitatory_receptor_warn():
    pop = _driven(label="dual")
    dual = sim.Population(2, sim.extra_models.IF_curr_dual_exp(), label="target")
    with pytest.warns(UserWarning, match="'neg2': negative weights on the excitatory2 receptor"):
        sim.Projection(pop, dual, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=-1.0, delay=1.0), receptor_type="excitatory2",
                       label="neg2")


# -- data safety: recording buffers and auto pause and resume ------------------------------
def _recorded_run(buffer_ticks, n_ticks=200):
    sim.setup(timestep=1.0)
    state = sim.simulator.state
    if buffer_ticks is not None:
        state.profile = dataclasses.replace(state.profile, recording_buffer_ticks=buffer_ticks)
    src = sim.Population(8, sim.SpikeSourcePoisson(rate=200.0), label="src", seed=3)
    pop = sim.Population(5, sim.IF_curr_exp(tau_m=10.0), label="pop")
    sim.Projection(src, pop, sim.AllToAllConnector(), sim.StaticSynapse(weight=1.5, delay=20))
    src.record("spikes")
    pop.record(["spikes"])
    pop.record("v", sampling_interval=3.0)
    sim.run(n_ticks / 2)
    sim.run(n_ticks / 2)
    pauses = state.loaded.auto_pauses
    data = {}
    for p in (src, pop):
        segment = p.get_data().segments[0]
        data[p.label, "spikes"] = [t.magnitude.tolist() for t in segment.spiketrains]
        for signal in segment.analogsignals:
            data[p.label, signal.name] = signal.magnitude.copy()
            data[p.label, signal.name + ".t"] = signal.times.magnitude.copy()
    return data, pauses


def test_the_partitioner_plans_the_sdram_of_the_recording_buffer():
    """The SDRAM planned for a recording core grows with the profile's buffer length."""
    state = sim.simulator.state
    pop = sim.Population(256, sim.IF_curr_exp(), label="recorded")
    pop.record(["spikes", "v"])
    short = dataclasses.replace(state.profile, recording_buffer_ticks=10)
    long = dataclasses.replace(state.profile, recording_buffer_ticks=1000)
    assert mapping._recording_bytes(pop, 256, long) > 50 * mapping._recording_bytes(pop, 256, short) > 0


def test_a_run_longer_than_the_recording_buffers_pauses_and_keeps_all_data(caplog):
    """With buffers of 7 timesteps a 200-timestep run (two calls of 100) is done in 2 x 15
    stretches, the data extracted after each: nothing is lost or changed, as with the
    toolchain's auto pause and resume."""
    whole, no_pauses = _recorded_run(None)
    assert no_pauses == 0
    with caplog.at_level(logging.INFO, logger="pynn_spinn_virtual"):
        paused, pauses = _recorded_run(7)
    assert pauses == 2 * 14
    assert "auto pause and resume" in caplog.text
    assert paused.keys() == whole.keys()
    for key in whole:
        if key[1] == "spikes":
            assert paused[key] == whole[key], key
        else:
            np.testing.assert_array_equal(paused[key], whole[key], err_msg=str(key))
    # complete: every sampled tick is there, and the spikes cover the whole run
    assert whole["pop", "v"].shape == (67, 5)
    np.testing.assert_allclose(whole["pop", "v.t"], np.arange(0, 200, 3.0), rtol=0, atol=1e-9)
    src_spikes = np.concatenate(whole["src", "spikes"])
    assert len(src_spikes) > 100 and src_spikes.max() > 180 and src_spikes.min() < 20
    assert sum(len(t) for t in whole["pop", "spikes"]) > 0


# -- calls after end() ---------------------------------------------------------------------
def test_every_model_changing_call_after_end_is_refused():
    pop = _driven()
    pop.record("v")
    sim.run(3)
    sim.end()
    for call in (lambda: sim.run(1), lambda: pop.set(i_offset=1.0), lambda: pop.record("spikes"),
                 lambda: pop.initialize(v=-60.0), lambda: sim.Population(1, sim.IF_curr_exp()),
                 lambda: sim.Projection(pop, pop, sim.OneToOneConnector())):
        with pytest.raises(SimulatorShutdownError, match="end\\(\\)"):
            call()
    assert pop.get_data().segments[0].analogsignals[0].shape == (3, 3)     # still readable
