"""Bad input gives a clear Python exception naming the population/projection and the limit,
never a crash, a raw numpy/KeyError traceback, or a silently wrong machine value."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyNN import errors
from pyNN.standardmodels import cells as pynn_cells

import pynn_spinn_virtual as sim
from pynn_spinn_virtual.exceptions import (ConfigurationError, MappingError, ParameterError,
                                           SimulatorShutdownError)


pytestmark = pytest.mark.usefixtures("simulation")


def _pair(n_src=2, n_post=2):
    src = sim.Population(n_src, sim.SpikeSourceArray(spike_times=[1.0]), label="src")
    post = sim.Population(n_post, sim.IF_curr_exp(), label="post")
    return src, post


# ---------------------------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------------------------
def test_unknown_cell_parameter():
    with pytest.raises(errors.NonExistentParameterError, match="tau_x.*IF_curr_exp.*tau_m"):
        sim.IF_curr_exp(tau_x=3.0)
    pop = sim.Population(2, sim.IF_curr_exp(), label="cells")
    with pytest.raises(errors.NonExistentParameterError, match="Population 'cells'"):
        pop.set(tau_x=3.0)
    with pytest.raises(errors.NonExistentParameterError, match="Population 'cells'"):
        pop.initialize(w=1.0)


def test_unknown_synapse_parameter():
    with pytest.raises(errors.NonExistentParameterError, match="tau_rec.*delay, weight"):
        sim.StaticSynapse(weight=1.0, tau_rec=3.0)


@pytest.mark.parametrize("name,value,limit", [
    ("tau_m", -1.0, "tau_m must be > 0"), ("tau_m", 0.0, "tau_m must be > 0"),
    ("tau_syn_E", -5.0, "tau_syn_E must be > 0"), ("tau_syn_I", 0.0, "tau_syn_I must be > 0"),
    ("cm", 0.0, "cm must be > 0"), ("cm", -0.5, "cm must be > 0"),
    ("tau_refrac", -0.1, "tau_refrac must be >= 0"), ("tau_m", float("nan"), "tau_m must be > 0"),
])
def test_invalid_cell_parameter_values(name, value, limit):
    with pytest.raises(ParameterError, match=f"Population 'bad'.*{limit}"):
        sim.Population(3, sim.IF_curr_exp(**{name: value}), label="bad")
    pop = sim.Population(3, sim.IF_curr_exp(), label="good")
    with pytest.raises(ParameterError, match=f"Population 'good'.*{limit}"):
        pop.set(**{name: value})
    assert pop.get(name) == sim.IF_curr_exp.default_parameters[name], "set() changed nothing"


def test_value_out_of_the_s1615_range_is_refused_with_the_population_named():
    sim.Population(2, sim.IF_curr_exp(v_thresh=1e6), label="huge")
    with pytest.raises(ParameterError, match="Population 'huge'.*S1615"):
        sim.run(1)


def test_initial_value_out_of_range_or_nan():
    pop = sim.Population(2, sim.IF_curr_exp(), label="init")
    with pytest.raises(ParameterError, match="Population 'init'.*v"):
        pop.initialize(v=1e7)
    with pytest.raises(ParameterError, match="Population 'init'.*finite"):
        pop.initialize(v=float("nan"))
    sim.run(1)
    with pytest.raises(ParameterError, match="Population 'init'"):
        pop.initialize(v=-1e6)                 # between runs as well
    sim.run(1)                                 # and the simulation is still usable


# ---------------------------------------------------------------------------------------------
# delays and weights
# ---------------------------------------------------------------------------------------------
def test_delay_below_one_tick():
    src, post = _pair()
    with pytest.raises(errors.ConnectionError, match="'short'.*below one timestep"):
        sim.Projection(src, post, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=1.0, delay=0.5), label="short")


def test_delay_beyond_the_machine_range():
    """1..144 ticks (16 on core + 8 delay-extension stages of 16) build; 145 raises the
    toolchain's DelayExtensionException naming the projection, its delay and the maximum."""
    src, post = _pair()
    prj = sim.Projection(src, post, sim.AllToAllConnector(),
                         sim.StaticSynapse(weight=1.0, delay=144.0), label="ok144")
    assert {d for _, _, d in prj.get("delay", format="list")} == {144.0}
    with pytest.raises(sim.DelayExtensionError,
                       match=r"Edge:long has a max delay of 145\. But at a timestep of 1 the "
                             r"max delay supported is 144"):
        sim.Projection(src, post, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=1.0, delay=145.0), label="long")
    with pytest.raises(sim.DelayExtensionError, match=r"Edge:list long .*400"):
        sim.Projection(src, post, sim.FromListConnector([(0, 0, 1.0, 3.0), (1, 1, 1.0, 400.0)]),
                       label="list long")


def test_delay_beyond_the_machine_range_at_small_timestep():
    sim.setup(timestep=0.1)
    src, post = _pair()
    sim.Projection(src, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=1.0, delay=14.4))
    with pytest.raises(sim.DelayExtensionError, match=r"Edge:p has a max delay of 14.5.*14.4"):
        sim.Projection(src, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=1.0,
                                                                             delay=14.5),
                       label="p")


@pytest.mark.parametrize("weight", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_weight(weight):
    src, post = _pair()
    with pytest.raises(errors.ConnectionError, match="'w'.*finite"):
        sim.Projection(src, post, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=weight, delay=1.0), label="w")


def test_nan_delay():
    src, post = _pair()
    with pytest.raises(errors.ConnectionError, match="'d'"):
        sim.Projection(src, post, sim.FromListConnector([(0, 0, 1.0, float("nan"))]), label="d")


def test_weights_too_large_for_the_ring_buffer():
    src, post = _pair()
    sim.Projection(src, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=1e6, delay=1),
                   label="huge weights")
    with pytest.raises(MappingError, match="'post'.*at most 16.*huge weights"):
        sim.run(1)


def test_weight_below_machine_resolution_warns():
    src, post = _pair()
    prj = sim.Projection(src, post, sim.FromListConnector([(0, 0, 5.0, 1.0), (1, 1, 1e-7, 1.0)]),
                         label="tiny")
    assert prj.get("weight", format="list")[1][2] == 1e-7, "before a run: as requested"
    with pytest.warns(UserWarning, match="'tiny'.*stored as 0"):
        sim.run(1)
    weights = prj.get("weight", format="list")
    assert weights[1][2] == 0.0


def test_connection_indices_out_of_range():
    src, post = _pair()
    with pytest.raises(errors.ConnectionError, match="'neg'.*index -1.*2 pre-synaptic"):
        sim.Projection(src, post, sim.FromListConnector([(-1, 0, 1.0, 1.0)]), label="neg")
    with pytest.raises(errors.ConnectionError, match="'negpost'.*index -2.*post"):
        sim.Projection(src, post, sim.FromListConnector([(0, -2, 1.0, 1.0)]), label="negpost")
    with pytest.raises(errors.ConnectionError, match="out of range"):
        sim.Projection(src, post, sim.FromListConnector([(5, 0, 1.0, 1.0)]))
    with pytest.raises(errors.ConnectionError, match="'big'.*post-synaptic index 2 "):
        sim.Projection(src, post, sim.FromListConnector([(0, 2, 1.0, 1.0)]), label="big")
    with pytest.raises(errors.ConnectionError, match="'frac'.*index 0.5"):
        sim.Projection(src, post, sim.FromListConnector([(0.5, 0, 1.0, 1.0)]), label="frac")


@pytest.mark.parametrize("p", [1.5, 2.0])
def test_connection_probability_out_of_range(p):
    src, post = _pair()
    with pytest.raises(errors.ConnectionError, match=f"'prob'.*{p}.*between 0 and 1"):
        sim.Projection(src, post, sim.FixedProbabilityConnector(p), label="prob")


def test_projection_get_unknown_attribute():
    src, post = _pair()
    prj = sim.Projection(src, post, sim.AllToAllConnector(), label="g")
    with pytest.raises(errors.NonExistentParameterError, match="tau.*Projection 'g'.*weight"):
        prj.get("tau", format="list")


@pytest.mark.parametrize("t", [float("nan"), float("inf")])
def test_run_time_not_finite(t):
    sim.Population(1, sim.IF_curr_exp())
    with pytest.raises(ValueError, match="finite"):
        sim.run(t)


def test_refractory_period_too_long_for_the_int32_timer_is_refused():
    pop = sim.Population(1, sim.IF_curr_exp(i_offset=5.0, tau_refrac=3e9), label="forever")
    pop.record("spikes")
    try:
        sim.run(30)
    except ParameterError as err:
        assert "'forever'" in str(err)
        return
    assert len(pop.get_data().segments[0].spiketrains[0]) <= 1, "silently not refractory"


# ---------------------------------------------------------------------------------------------
# setup, recording
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("timestep", [0.0005, 0.1234567, 1.0000001])
def test_timestep_not_whole_microseconds(timestep):
    with pytest.raises(ConfigurationError, match="whole number of microseconds"):
        sim.setup(timestep=timestep)


@pytest.mark.parametrize("timestep", [0.0, -1.0])
def test_timestep_not_positive(timestep):
    with pytest.raises(ConfigurationError, match="> 0"):
        sim.setup(timestep=timestep)


def test_min_delay_below_timestep_and_unknown_toolchain():
    with pytest.raises(ConfigurationError, match="min_delay"):
        sim.setup(timestep=1.0, min_delay=0.5)
    with pytest.raises(ValueError, match="toolchain profile '99'"):
        sim.setup(timestep=1.0, toolchain="99")


def test_recording_an_unknown_variable():
    pop = sim.Population(2, sim.IF_curr_exp(), label="rec")
    with pytest.raises(errors.RecordingError, match="'rec'.*'w'.*spikes, v"):
        pop.record("w")
    with pytest.raises(errors.RecordingError, match="'rec'"):
        pop.record(["v", "w"])
    assert not pop.recorder.is_recording("v"), "a refused record() call changes nothing"
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[]), label="s")
    with pytest.raises(errors.RecordingError, match="'s'.*'v'"):
        src.record("v")


@pytest.mark.parametrize("interval", [0.5, 1.5, 0.0, -2.0])
def test_sampling_interval_not_a_multiple_of_dt(interval):
    pop = sim.Population(2, sim.IF_curr_exp(), label="samp")
    with pytest.raises(ConfigurationError, match="'samp'.*sampling_interval.*timestep 1.0"):
        pop.record("v", sampling_interval=interval)
    assert not pop.recorder.is_recording("v")
    pop.record("v", sampling_interval=2.0)      # a good call afterwards works


# ---------------------------------------------------------------------------------------------
# spike sources
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("times,message", [
    ([3.0, 1.0], "not sorted"), ([-1.0, 2.0], "negative"), ([1.0, float("nan")], "non-finite"),
    ([1.0, float("inf")], "non-finite")])
def test_bad_spike_source_array_times(times, message):
    with pytest.raises(ParameterError, match=f"Population 'ssa'.*{message}"):
        sim.Population(1, sim.SpikeSourceArray(spike_times=times), label="ssa")
    ok = sim.Population(2, sim.SpikeSourceArray(spike_times=[1.0]), label="ok")
    with pytest.raises(ParameterError, match=f"Population 'ok'.*{message}"):
        ok.set(spike_times=times)
    assert [list(s.value) for s in ok.get("spike_times", simplify=False)] == [[1.0], [1.0]]


def test_connecting_into_a_spike_source():
    src, post = _pair()
    with pytest.raises(errors.ConnectionError, match="'src' is a spike source"):
        sim.Projection(post, src, sim.AllToAllConnector())


# ---------------------------------------------------------------------------------------------
# neurons per core
# ---------------------------------------------------------------------------------------------
def test_neurons_per_core_limits():
    with pytest.raises(ConfigurationError, match="IF_curr_exp.*300.*maximum of 256"):
        sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 300)
    with pytest.raises(ConfigurationError, match="as a class"):
        sim.set_number_of_neurons_per_core("IF_curr_exp", 10)
    with pytest.raises(ConfigurationError, match=">= 1"):
        sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 0)
    with pytest.raises(ConfigurationError, match="Population 'p'.*300.*maximum of 256"):
        sim.Population(10, sim.IF_curr_exp(), neurons_per_core=300, label="p")
    with pytest.raises(ConfigurationError, match="Population 'q'.*>= 1"):
        sim.Population(10, sim.IF_curr_exp(), neurons_per_core=0, label="q")
    sim.Population(10, sim.IF_curr_exp())
    with pytest.raises(ConfigurationError, match="after a Population has been created"):
        sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 100)


# ---------------------------------------------------------------------------------------------
# cell types, sizes, calls after end
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", [pynn_cells.HH_cond_exp, pynn_cells.IF_cond_alpha,
                                  pynn_cells.IF_cond_exp, pynn_cells.EIF_cond_alpha_isfa_ista,
                                  pynn_cells.SpikeSourcePoisson])
def test_unsupported_pynn_cell_types(cell):
    with pytest.raises(NotImplementedError, match=f"{cell.__name__} is not supported"):
        sim.Population(2, cell())
    with pytest.raises(NotImplementedError, match="not supported"):
        sim.Population(2, cell)


@pytest.mark.parametrize("size", [2.5, -1, 0])
def test_bad_population_size(size):
    with pytest.raises(ValueError, match="Population size"):
        sim.Population(size, sim.IF_curr_exp())


def test_calls_after_end():
    sim.Population(1, sim.IF_curr_exp())
    sim.end()
    with pytest.raises(SimulatorShutdownError, match="run.*end"):
        sim.run(1)


def test_run_into_the_past():
    sim.Population(1, sim.IF_curr_exp())
    sim.run(5)
    with pytest.raises(ValueError, match="past"):
        sim.run_until(2.0)


# ---------------------------------------------------------------------------------------------
# property tests: random input either works exactly or fails clearly
# ---------------------------------------------------------------------------------------------
CLEAR_ERRORS = (errors.ConnectionError, NotImplementedError, MappingError, ParameterError,
                ConfigurationError)

weights = st.one_of(st.floats(-50.0, 50.0), st.floats(1e-9, 1e-3), st.floats(1e3, 1e7),
                    st.sampled_from([float("nan"), float("inf"), 0.0]))
delays = st.one_of(st.floats(-2.0, 20.0), st.sampled_from([float("nan"), 0.5, 16.5, 16.6]))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dt=st.sampled_from([1.0, 0.1]),
       conns=st.lists(st.tuples(weights, delays), min_size=1, max_size=5),
       receptor=st.sampled_from(["excitatory", "inhibitory"]))
def test_random_weights_and_delays_build_exactly_or_fail_clearly(dt, conns, receptor):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.setup(timestep=dt)
        n = len(conns)
        src = sim.Population(n, sim.SpikeSourceArray(spike_times=[dt]), label="src")
        post = sim.Population(n, sim.IF_curr_exp(), label="post")
        listing = [(i, i, w, d * dt) for i, (w, d) in enumerate(conns)]
        try:
            prj = sim.Projection(src, post, sim.FromListConnector(listing),
                                 receptor_type=receptor, label="random")
            sim.run(3 * dt)
            got = prj.get(["weight", "delay"], format="list")
        except CLEAR_ERRORS as err:
            text = str(err)
            assert "'random'" in text or "'post'" in text, f"unnamed error: {text}"
            return
    # it built: every value is what the machine can hold, close to what was asked
    scale = sim.simulator.state.ensure_mapped().cores_of(post)[0].extra["weight_scales"]
    scale = scale[0 if receptor == "excitatory" else 1]
    assert len(got) == n
    for (i, j, w_m, d_m), (w, d) in zip(sorted(got), conns):
        assert math.isfinite(w_m) and math.isfinite(d_m)
        assert abs(abs(w_m) - abs(w)) <= 1.0 / scale + 1e-12, (w, w_m, scale)
        assert w_m * scale == round(w_m * scale), "a 16-bit machine weight"
        assert abs(w_m) * scale <= 65535
        ticks = d_m / dt
        assert abs(ticks - round(ticks)) < 1e-9 and 1 <= round(ticks) <= 144
        assert abs(d_m - d * dt) < dt * (1 + 1e-9)


cell_values = st.one_of(st.floats(-100.0, 100.0), st.floats(1e-6, 1e-2),
                        st.floats(1e4, 1e9), st.sampled_from([0.0, float("nan"), float("inf")]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(["tau_m", "cm", "tau_syn_E", "tau_syn_I", "tau_refrac", "v_thresh",
                             "v_reset", "v_rest", "i_offset"]),
       value=cell_values)
def test_random_cell_parameters_run_or_fail_clearly(name, value):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.setup(timestep=1.0)
        try:
            pop = sim.Population(2, sim.IF_curr_exp(**{name: value}), label="cells")
            pop.record("v")
            sim.run(3)
        except CLEAR_ERRORS as err:
            assert "'cells'" in str(err), f"unnamed error: {err}"
            return
    v = pop.get_data().segments[0].analogsignals[0].magnitude
    assert v.shape == (3, 2) and np.all(np.isfinite(v))
    assert np.all(v[0] == -65.0)


spike_lists = st.lists(st.one_of(st.floats(-5.0, 50.0), st.sampled_from([float("nan"), 0.0])),
                       max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(times=spike_lists)
def test_random_spike_times_are_sent_at_their_tick_or_refused(times):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.setup(timestep=1.0)
        try:
            src = sim.Population(1, sim.SpikeSourceArray(spike_times=times), label="ssa")
        except ParameterError as err:
            assert "'ssa'" in str(err)
            assert (any(math.isnan(t) for t in times) or any(t < 0 for t in times)
                    or times != sorted(times))
            return
        post = sim.Population(1, sim.IF_curr_exp(), label="post")
        sim.Projection(src, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.1, delay=1))
        post.record("gsyn_exc")
        sim.run(60)
    assert times == sorted(times) and all(t >= 0 for t in times)
    g = post.get_data().segments[0].analogsignals[0].magnitude[:, 0]
    # the toolchain truncates a spike time to whole microseconds, then rounds up to a tick;
    # the input arrives one tick (the delay) later
    arrivals = {math.ceil(math.floor(t * 1000.0) / 1000.0) + 1 for t in times}
    rises = {k for k in range(1, 60) if g[k] > g[k - 1]}
    assert rises == {a for a in arrivals if a < 60}
