"""The PyNN API of pynn_spinn_virtual, with sPyNNaker's behaviour where it differs from PyNN
(spec/frontend.md §1).  Each test builds a small network and checks what a user sees."""
import os
import pickle
import warnings

import neo
import numpy as np
import pytest
from pyNN.connectors import IndexBasedExpression
from pyNN.random import NumpyRNG, RandomDistribution

import pynn_spinn_virtual as sim
from pynn_spinn_virtual.exceptions import (ConfigurationError, NetworkChangedError,
                                           SimulatorShutdownError)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# ---------------------------------------------------------------------------------------------
# setup and the state queries
# ---------------------------------------------------------------------------------------------
def test_setup_without_timestep_gives_0_1_ms_with_a_warning():
    with pytest.warns(UserWarning, match="0.1"):
        assert sim.setup() == 0
    assert sim.get_time_step() == 0.1
    assert sim.get_min_delay() == 0.1
    sim.end()


def test_setup_auto_timestep_is_1_ms(fresh):
    fresh("auto")
    assert sim.get_time_step() == 1.0
    assert sim.get_min_delay() == 1.0


def test_setup_signature_and_extras(fresh):
    with pytest.warns(UserWarning, match="max_delay is not supported"):
        rank = sim.setup(timestep=1.0, min_delay="auto", max_delay=144.0, time_scale_factor=2,
                         toolchain="6")
    assert rank == 0
    assert sim.simulator.state.time_scale_factor == 2
    with pytest.warns(UserWarning, match="not known"):
        sim.setup(timestep=1.0, some_unknown_option=3)
    sim.setup(timestep=0.5, n_boards_required=1)     # a known sPyNNaker option: accepted
    assert sim.get_time_step() == 0.5
    assert sim.simulator.state.time_scale_factor == 1   # default: max(1, ceil(500 / 10000))


def test_default_time_scale_factor_grows_with_long_timesteps(fresh):
    fresh(20.0)
    assert sim.simulator.state.time_scale_factor == 2


def test_state_queries(fresh):
    fresh(1.0)
    assert sim.get_current_time() == 0.0
    assert sim.get_time_step() == 1.0
    assert sim.get_min_delay() == 1.0
    max_delay = sim.get_max_delay()
    assert max_delay >= sim.get_min_delay()      # sensible (sPyNNaker raises; we do not)
    assert sim.num_processes() == 1
    assert sim.rank() == 0
    assert isinstance(sim.name(), str) and "pynn_spinn_virtual" in sim.name()
    models = sim.list_standard_models()
    assert "IF_curr_exp" in models and "SpikeSourceArray" in models


def test_run_run_for_run_until_and_current_time(fresh):
    fresh(1.0)
    sim.Population(1, sim.IF_curr_exp())
    assert sim.run(10) == 10.0
    assert sim.run_for(5) == 15.0
    assert sim.run_until(30.0) == 30.0
    assert sim.get_current_time() == 30.0
    sim.reset()
    assert sim.get_current_time() == 0.0
    assert sim.run(0.5 * 4) == 2.0


def test_run_time_not_a_multiple_of_dt_runs_whole_steps(fresh):
    fresh(1.0)
    sim.Population(1, sim.IF_curr_exp())
    with pytest.warns(UserWarning, match="whole timesteps"):
        t = sim.run(2.5)
    assert t == 3.0


# ---------------------------------------------------------------------------------------------
# neurons per core and partitioning
# ---------------------------------------------------------------------------------------------
def _core_ranges(population):
    cores = sim.simulator.state.ensure_mapped().cores_of(population)
    return [(c.lo, c.hi - 1) for c in cores]


def test_default_partitioning_is_256_per_core(fresh):
    fresh(1.0)
    pop = sim.Population(1000, sim.IF_curr_exp(), label="big")
    assert _core_ranges(pop) == [(0, 255), (256, 511), (512, 767), (768, 999)]
    labels = [c.label for c in sim.simulator.state.ensure_mapped().cores_of(pop)]
    assert labels == ["big(0:255)", "big(256:511)", "big(512:767)", "big(768:999)"]


def test_set_number_of_neurons_per_core(fresh):
    fresh(1.0)
    sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 100)
    pop = sim.Population(250, sim.IF_curr_exp())
    src = sim.Population(300, sim.SpikeSourceArray(spike_times=[]))
    assert _core_ranges(pop) == [(0, 99), (100, 199), (200, 249)]
    # the global value is per cell type; a SpikeSourceArray has no limit in profile 6
    # (6.0: sys.maxsize atoms per core), so 300 sources share one core
    assert _core_ranges(src) == [(0, 299)]
    with pytest.raises(ConfigurationError, match="after a Population has been created"):
        sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 50)


def test_set_number_of_neurons_per_core_is_reset_by_setup(fresh):
    fresh(1.0)
    sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 10)
    fresh(1.0)
    pop = sim.Population(300, sim.IF_curr_exp())
    assert _core_ranges(pop) == [(0, 255), (256, 299)]


def test_population_neurons_per_core(fresh):
    fresh(1.0)
    pop = sim.Population(10, sim.IF_curr_exp(), neurons_per_core=3)
    assert _core_ranges(pop) == [(0, 2), (3, 5), (6, 8), (9, 9)]
    other = sim.Population(10, sim.IF_curr_exp())
    assert _core_ranges(other) == [(0, 9)]
    other.set_max_atoms_per_core(4)
    assert _core_ranges(other) == [(0, 3), (4, 7), (8, 9)]


def test_partitioned_network_runs_like_the_unpartitioned_one(fresh):
    def build(npc):
        fresh(1.0)
        src = sim.Population(20, sim.SpikeSourceArray(
            spike_times=[[float(i % 7 + 1), float(i % 5 + 10)] for i in range(20)]))
        pop = sim.Population(20, sim.IF_curr_exp(), neurons_per_core=npc)
        sim.Projection(src, pop, sim.FixedProbabilityConnector(0.3, rng=NumpyRNG(seed=4)),
                       sim.StaticSynapse(weight=2.0, delay=2))
        pop.record(["v", "spikes"])
        sim.run(30)
        seg = pop.get_data().segments[0]
        out = (seg.analogsignals[0].magnitude.copy(), [list(s) for s in seg.spiketrains])
        sim.end()
        return out

    v_a, s_a = build(None)
    v_b, s_b = build(6)
    assert np.array_equal(v_a, v_b)
    assert s_a == s_b


# ---------------------------------------------------------------------------------------------
# populations, views, assemblies, ids and labels
# ---------------------------------------------------------------------------------------------
def test_ids_start_at_zero_and_run_across_populations(fresh):
    fresh(1.0)
    a = sim.Population(3, sim.IF_curr_exp())
    b = sim.Population(4, sim.SpikeSourceArray(spike_times=[1.0]))
    c = sim.Population(2, sim.IF_curr_exp())
    assert (a.first_id, a.last_id) == (0, 2)
    assert (b.first_id, b.last_id) == (3, 6)
    assert (c.first_id, c.last_id) == (7, 8)
    assert list(c.all_cells) == [7, 8]
    assert b.id_to_index(5) == 2


def test_default_labels_and_duplicates(fresh):
    fresh(1.0)
    a = sim.Population(1, sim.IF_curr_exp())
    b = sim.Population(1, sim.IF_curr_exp())
    c = sim.Population(1, sim.SpikeSourceArray(spike_times=[]))
    d = sim.Population(1, sim.IF_curr_exp(), label="x")
    e = sim.Population(1, sim.IF_curr_exp(), label="x")
    f = sim.Population(1, sim.IF_curr_exp(), label="x")
    assert a.label == "IF_curr_exp vertex"
    assert b.label == "IF_curr_exp vertex1"
    assert c.label == "SpikeSourceArray vertex"
    assert (d.label, e.label, f.label) == ("x", "x2", "x3")


def test_describe(fresh):
    fresh(1.0)
    pop = sim.Population(3, sim.IF_curr_exp(), label="described")
    text = pop.describe()
    assert text.splitlines()[0] == 'Population "described"'
    assert "IF_curr_exp" in text
    assert "pop" in pop[0:2].describe() or "described" in pop[0:2].describe()


def test_population_view_and_assembly(fresh):
    fresh(1.0)
    a = sim.Population(4, sim.IF_curr_exp(i_offset=3.0), label="a")
    b = sim.Population(3, sim.IF_curr_exp(), label="b")
    view = a[1:3]
    assert isinstance(view, sim.PopulationView) and view.size == 2
    assert list(view.all_cells) == [1, 2]
    asm = a + b
    assert isinstance(asm, sim.Assembly) and asm.size == 7
    asm2 = sim.Assembly(a, b[0:1])
    assert asm2.size == 5
    asm.record(["spikes", "v"])
    sim.run(20)
    block = asm.get_data()
    seg = block.segments[0]
    assert len(seg.spiketrains) == 7
    assert sorted(a.name for a in seg.analogsignals) == ["v", "v"]
    assert sorted(s.annotations["source_population"] for s in seg.analogsignals) == ["a", "b"]
    assert sum(len(s) for s in seg.spiketrains[:4]) > 0
    assert asm.get_spike_counts() == {**{int(i): len(s) for i, s in zip(a.all_cells,
                                                                          seg.spiketrains[:4])},
                                      **{int(i): 0 for i in b.all_cells}}


def test_create_connect_record_initialize_procedural_api(fresh, tmp_path):
    fresh(1.0)
    src = sim.create(sim.SpikeSourceArray, {"spike_times": [1.0, 2.0, 3.0]}, n=2)
    pop = sim.create(sim.IF_curr_exp, n=3)
    pop2 = sim.create(sim.IF_curr_exp(tau_m=10.0), n=1)
    assert pop.size == 3 and pop2.get("tau_m") == 10.0
    prj = sim.connect(src, pop, weight=2.0, delay=1.0, p=1.0)
    assert len(prj) == 6
    sim.initialize(pop, v=-60.0)
    assert np.allclose(pop.initial_values["v"].evaluate(), -60.0)
    filename = str(tmp_path / "rec.pkl")
    sim.record(["spikes", "v"], pop, filename)
    sim.run(10)
    assert pop.get_data().segments[0].analogsignals[0][0, 0].magnitude == -60.0
    sim.end()
    assert os.path.exists(filename), "record(..., filename) writes the file at end()"
    block = neo.io.PickleIO(filename).read_block()
    assert block.segments[0].analogsignals[0].shape == (10, 3)


# ---------------------------------------------------------------------------------------------
# random numbers
# ---------------------------------------------------------------------------------------------
def test_random_distributions_for_weights_delays_initial_values(fresh):
    fresh(1.0)
    rng = NumpyRNG(seed=42)
    src = sim.Population(10, sim.SpikeSourceArray(spike_times=[1.0]))
    pop = sim.Population(10, sim.IF_curr_exp(tau_m=RandomDistribution("uniform", (10, 20), rng=rng)),
                         initial_values={"v": RandomDistribution("normal", (-65, 2), rng=rng)})
    prj = sim.Projection(src, pop, sim.AllToAllConnector(),
                         sim.StaticSynapse(weight=RandomDistribution("uniform", (0.1, 1.0), rng=rng),
                                           delay=RandomDistribution("uniform", (1, 10), rng=rng)))
    tau = pop.get("tau_m")
    assert len(set(np.round(tau, 6))) == 10 and np.all((tau >= 10) & (tau < 20))
    w = np.array(prj.get("weight", format="list"))[:, 2]
    d = np.array(prj.get("delay", format="list"))[:, 2]
    assert len(set(w)) > 50 and np.all((w > 0.09) & (w < 1.01))
    assert np.all(d == np.round(d)) and d.min() >= 1 and d.max() <= 10
    assert len(set(d)) > 5
    pop.record("v")
    sim.run(2)
    v0 = pop.get_data().segments[0].analogsignals[0].magnitude[0]
    assert np.std(v0) > 0.5 and abs(np.mean(v0) + 65) < 3


# ---------------------------------------------------------------------------------------------
# connectors
# ---------------------------------------------------------------------------------------------
class _Diagonal(IndexBasedExpression):
    def __call__(self, i, j):
        return (i == j).astype(float)


def _connectors(tmp_path):
    rng = NumpyRNG(seed=1)
    listing = [(0, 1, 0.5, 2.0), (3, 4, 0.25, 3.0), (8, 8, 1.0, 1.0)]
    path = str(tmp_path / "conn.txt")
    np.savetxt(path, np.array([[0, 1, 0.5, 2.0], [2, 3, 0.25, 3.0]]))
    return {
        "AllToAll": (sim.AllToAllConnector(), 81),
        "OneToOne": (sim.OneToOneConnector(), 9),
        "FixedProbability": (sim.FixedProbabilityConnector(0.5, rng=rng), None),
        "FixedNumberPre": (sim.FixedNumberPreConnector(3, rng=rng), 27),
        "FixedNumberPost": (sim.FixedNumberPostConnector(2, rng=rng), 18),
        "FixedTotalNumber": (sim.FixedTotalNumberConnector(20, rng=rng), 20),
        "FromList": (sim.FromListConnector(listing, column_names=["weight", "delay"]), 3),
        "FromFile": (sim.FromFileConnector(path), 2),
        "Array": (sim.ArrayConnector(np.eye(9, dtype=bool)), 9),
        "DistanceDependent": (sim.DistanceDependentProbabilityConnector("d < 1.5", rng=rng),
                              None),
        "IndexBased": (sim.IndexBasedProbabilityConnector(_Diagonal(), rng=rng), 9),
        "SmallWorld": (sim.SmallWorldConnector(degree=1.5, rewiring=0.2, rng=rng), None),
    }


@pytest.mark.parametrize("name", ["AllToAll", "OneToOne", "FixedProbability", "FixedNumberPre",
                                  "FixedNumberPost", "FixedTotalNumber", "FromList", "FromFile",
                                  "Array", "DistanceDependent", "IndexBased", "SmallWorld"])
def test_every_standard_connector_builds_and_runs(fresh, tmp_path, name):
    fresh(1.0)
    connector, expected = _connectors(tmp_path)[name]
    src = sim.Population(9, sim.SpikeSourceArray(spike_times=[1.0, 4.0]), label="src",
                         structure=sim.Grid2D())
    pop = sim.Population(9, sim.IF_curr_exp(), label="pop", structure=sim.Grid2D())
    prj = sim.Projection(src, pop, connector, sim.StaticSynapse(weight=0.5, delay=2.0),
                         label=name)
    if expected is not None:
        assert len(prj) == expected
    assert len(prj) > 0
    pop.record(["spikes", "gsyn_exc"])
    sim.run(10)
    gsyn = pop.get_data().segments[0].filter(name="gsyn_exc")[0].magnitude
    post = {int(j) for j in np.array(prj.get("weight", format="list"))[:, 1]}
    assert np.all(gsyn[:, sorted(post)].max(axis=0) > 0), "every target receives its input"


def test_clone_connector(fresh):
    fresh(1.0)
    src = sim.Population(5, sim.SpikeSourceArray(spike_times=[1.0]))
    pop = sim.Population(5, sim.IF_curr_exp())
    ref = sim.Projection(src, pop, sim.FixedProbabilityConnector(0.5, rng=NumpyRNG(seed=9)),
                         sim.StaticSynapse(weight=1.0, delay=1))
    clone = sim.Projection(src, pop, sim.CloneConnector(ref), sim.StaticSynapse(weight=0.5),
                           receptor_type="inhibitory")
    pairs = lambda p: sorted((int(i), int(j)) for i, j, _ in p.get("weight", format="list"))
    assert pairs(clone) == pairs(ref)
    sim.run(5)


def test_small_world_without_rewiring_connects_the_neighbourhood(fresh):
    fresh(1.0)
    pop = sim.Population(6, sim.IF_curr_exp(), structure=sim.Line())
    prj = sim.Projection(pop, pop, sim.SmallWorldConnector(degree=1.5, rewiring=0.0),
                         sim.StaticSynapse(weight=0.1, delay=1))
    got = sorted((int(i), int(j)) for i, j, _ in prj.get("weight", format="list"))
    assert got == sorted((i, j) for i in range(6) for j in range(6) if abs(i - j) <= 1)
    with pytest.raises(NotImplementedError, match="n_connections"):
        sim.SmallWorldConnector(degree=1.0, rewiring=0.1, n_connections=3)


@pytest.mark.parametrize("connector", [sim.OneToOneConnector, sim.AllToAllConnector,
                                       lambda: sim.FixedProbabilityConnector(1.0)])
def test_single_neuron_populations_can_be_connected(fresh, connector):
    """PyNN 0.13 with numpy 2 crashed in MapConnector for a 1-neuron pre-population."""
    fresh(1.0)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]))
    pop = sim.Population(1, sim.IF_curr_exp())
    prj = sim.Projection(src, pop, connector(), sim.StaticSynapse(weight=1.0, delay=1))
    assert len(prj) == 1


def test_projections_from_and_to_views_and_assemblies(fresh):
    fresh(1.0)
    src = sim.Population(6, sim.SpikeSourceArray(spike_times=[[float(i + 1)] for i in range(6)]),
                         label="src")
    a = sim.Population(4, sim.IF_curr_exp(), label="a")
    b = sim.Population(3, sim.IF_curr_exp(), label="b")
    p_view = sim.Projection(src[2:4], a[[0, 3]], sim.OneToOneConnector(),
                            sim.StaticSynapse(weight=1.0, delay=1))
    got = sorted((int(i), int(j)) for i, j, _ in p_view.get("weight", format="list"))
    assert got == [(0, 0), (1, 1)]          # indices within the views
    p_asm = sim.Projection(src[0:1], a + b, sim.AllToAllConnector(),
                           sim.StaticSynapse(weight=0.5, delay=2))
    assert len(p_asm) == 7
    p_from_asm = sim.Projection(a + b, b, sim.FixedTotalNumberConnector(5, rng=NumpyRNG(1)),
                                sim.StaticSynapse(weight=0.2, delay=1))
    assert len(p_from_asm) == 5
    a.record("gsyn_exc")
    b.record("gsyn_exc")
    sim.run(8)
    ga = a.get_data().segments[0].analogsignals[0].magnitude
    # src[2] (spike at 3 ms) -> a[0] at tick 3+1; src[3] (4 ms) -> a[3] at 5; src[0] -> all at 3
    assert ga[4, 0] > ga[3, 0] > 0 and ga[5, 3] > ga[4, 3] > 0
    assert ga[3, 1] > 0 and ga[4, 1] < ga[3, 1]
    gb = b.get_data().segments[0].analogsignals[0].magnitude
    assert np.all(gb[3] > 0)


# ---------------------------------------------------------------------------------------------
# parameters and initial values
# ---------------------------------------------------------------------------------------------
def test_population_get_set_initialize(fresh):
    fresh(1.0)
    pop = sim.Population(3, sim.IF_curr_exp(tau_m=15.0), label="p")
    assert pop.get("tau_m") == 15.0
    pop.set(tau_m=[10.0, 20.0, 30.0], v_thresh=-55.0)
    assert list(pop.get("tau_m")) == [10.0, 20.0, 30.0]
    assert pop.get("v_thresh") == -55.0
    params = pop.get(["cm", "tau_refrac"])
    assert params == [1.0, 0.1]
    assert list(pop[1:].get("tau_m")) == [20.0, 30.0]
    pop[0:1].set(i_offset=2.0)
    assert list(pop.get("i_offset")) == [2.0, 0.0, 0.0]
    pop.initialize(v=lambda i: -70.0 + i)
    pop.record("v")
    sim.run(1)
    assert list(pop.get_data().segments[0].analogsignals[0].magnitude[0]) == [-70.0, -69.0,
                                                                               -68.0]


def test_set_and_initialize_between_runs(fresh):
    fresh(1.0)
    pop = sim.Population(2, sim.IF_curr_exp(), label="p")
    pop.record(["v", "spikes"])
    sim.run(5)
    pop.initialize(v=-55.0)          # between runs: the state now
    pop[1:2].set(i_offset=4.0)
    sim.run(5)
    v = pop.get_data().segments[0].analogsignals[0].magnitude
    assert np.all(v[:5] == -65.0)
    assert v[5, 0] == -55.0 and v[6, 0] < -55.0    # decays back towards v_rest
    assert v[6, 1] > v[6, 0]                        # and the current acts from tick 5
    sim.reset()                                     # reset: back to the (new) initial value
    sim.run(2)
    v1 = pop.get_data().segments[1].analogsignals[0].magnitude
    assert np.all(v1[0] == -55.0)


def test_set_spike_times_between_runs(fresh):
    fresh(1.0)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]), label="src")
    pop = sim.Population(1, sim.IF_curr_exp(), label="p")
    sim.Projection(src, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=1.0, delay=1))
    pop.record("gsyn_exc")
    sim.run(5)
    src.set(spike_times=[7.0])
    sim.run(5)
    g = pop.get_data().segments[0].analogsignals[0].magnitude[:, 0]
    assert g[2] > 0 and g[8] > g[7]


def test_projection_get_returns_machine_values(fresh):
    fresh(1.0)
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[1.0]))
    pop = sim.Population(2, sim.IF_curr_exp())
    prj = sim.Projection(src, pop, sim.FromListConnector([(0, 0, 0.3, 2.0), (1, 1, 1.7, 3.0)]),
                         sim.StaticSynapse())
    sim.run(1.0)
    rows = prj.get(["weight", "delay"], format="list")
    assert [(int(i), int(j)) for i, j, _, _ in rows] == [(0, 0), (1, 1)]
    w = np.array([r[2] for r in rows])
    assert not np.allclose(w, [0.3, 1.7], rtol=0, atol=1e-12), "weights are quantised"
    assert np.allclose(w, [0.3, 1.7], atol=2 ** -10)
    assert np.all(np.round(w * 2 ** 16) == w * 2 ** 16), "16-bit fixed-point multiples"
    assert [r[3] for r in rows] == [2.0, 3.0]
    wa, da = prj.get(["weight", "delay"], format="array")
    assert wa.shape == (2, 2) and np.isnan(wa[0, 1]) and wa[0, 0] == w[0]
    assert da[1, 1] == 3.0
    plain = prj.get("weight", format="list", with_address=False)
    assert plain == [r[2] for r in rows]


def test_projection_delays_are_whole_ticks(fresh):
    fresh(0.1)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]))
    pop = sim.Population(3, sim.IF_curr_exp())
    prj = sim.Projection(src, pop, sim.AllToAllConnector(),
                         sim.StaticSynapse(weight=0.5, delay=0.34))
    d = np.array(prj.get("delay", format="list"))[:, 2]
    ticks = d / 0.1
    assert np.allclose(ticks, np.round(ticks)) and np.all(np.round(ticks) >= 1)


def test_projection_set_before_run_and_refused_after(fresh):
    fresh(1.0)
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[1.0]))
    pop = sim.Population(2, sim.IF_curr_exp())
    prj = sim.Projection(src, pop, sim.AllToAllConnector(), sim.StaticSynapse(weight=1.0, delay=1))
    prj.set(weight=0.25, delay=3.0)
    rows = prj.get(["weight", "delay"], format="list")
    assert {r[2] for r in rows} == {0.25} and {r[3] for r in rows} == {3.0}
    pop.record("gsyn_exc")
    sim.run(6)
    g = pop.get_data().segments[0].analogsignals[0].magnitude
    assert np.all(g[:4] == 0) and np.all(g[4] > 0), "the new delay (3 ticks) is used"
    with pytest.raises(NotImplementedError, match="reset"):
        prj.set(weight=0.5)
    sim.reset()
    prj.set(weight=0.5)
    assert {r[2] for r in prj.get("weight", format="list")} == {0.5}


# ---------------------------------------------------------------------------------------------
# recording and data access
# ---------------------------------------------------------------------------------------------
def _driven(label="pop", n=3):
    src = sim.Population(n, sim.SpikeSourceArray(spike_times=[[1.0, 2.0, 3.0]] * n),
                         label=f"{label}_src")
    pop = sim.Population(n, sim.IF_curr_exp(), label=label)
    sim.Projection(src, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=8.0, delay=1))
    return pop


def test_record_all_variables_and_sampling_interval(fresh):
    fresh(1.0)
    pop = _driven()
    pop.record(["spikes", "v", "gsyn_exc", "gsyn_inh"], sampling_interval=2.0)
    sim.run(10)
    seg = pop.get_data().segments[0]
    assert sorted(a.name for a in seg.analogsignals) == ["gsyn_exc", "gsyn_inh", "v"]
    assert all(a.shape == (5, 3) for a in seg.analogsignals)
    assert len(seg.spiketrains) == 3


def test_record_all_string_records_every_recordable(fresh):
    fresh(1.0)
    pop = _driven()
    with pytest.warns(UserWarning, match="not standard"):
        pop.record("all")
    sim.run(5)
    seg = pop.get_data().segments[0]
    assert [a.name for a in seg.analogsignals] == ["gsyn_exc", "gsyn_inh", "v"]
    assert len(seg.spiketrains) == 3


def test_record_none_stops_recording_and_keeps_earlier_data(fresh):
    fresh(1.0)
    pop = _driven()
    pop.record(["v", "spikes"])
    sim.run(10)
    pop.record(None)
    sim.run(10)
    seg = pop.get_data().segments[0]
    assert seg.filter(name="v")[0].shape == (10, 3)
    assert sum(len(s) for s in seg.spiketrains) > 0
    assert seg.spiketrains[0].t_stop.magnitude == 20.0
    assert pop.get_data("v").segments[0].analogsignals[0].shape == (10, 3)
    sim.reset()
    sim.run(5)
    seg1 = pop.get_data().segments[1]
    assert len(seg1.analogsignals) == 0 and len(seg1.spiketrains) == 0


def test_get_data_variables_clear_annotations(fresh):
    fresh(1.0)
    pop = _driven()
    pop.record(["v", "gsyn_exc", "spikes"])
    sim.run(10)
    only_v = pop.get_data("v").segments[0]
    assert [a.name for a in only_v.analogsignals] == ["v"] and len(only_v.spiketrains) == 0
    ordered = pop.get_data(["v", "gsyn_exc"]).segments[0]
    assert [a.name for a in ordered.analogsignals] == ["v", "gsyn_exc"]
    with pytest.raises(ConfigurationError, match="gsyn_inh"):
        pop.get_data("gsyn_inh")              # not recorded
    block = pop.get_data(annotations={"experiment": "A"})
    assert block.annotations["experiment"] == "A"
    with pytest.warns(UserWarning, match="gather"):
        pop.get_data(gather=False)
    full = pop.get_data(clear=True)
    assert full.segments[0].analogsignals[0].shape[0] == 10
    after = pop.get_data().segments[0]
    assert all(a.shape[0] == 0 for a in after.analogsignals)
    assert all(len(s) == 0 for s in after.spiketrains)
    sim.run(5)
    again = pop.get_data().segments[0]
    assert again.filter(name="v")[0].shape == (5, 3)


def test_write_data_pickle_and_io_objects(fresh, tmp_path):
    fresh(1.0)
    pop = _driven()
    pop.record(["spikes", "v"])
    sim.run(10)
    path = str(tmp_path / "out.pkl")
    pop.write_data(path, annotations={"run": 1})
    block = pickle.load(open(path, "rb"))
    assert block.name == "pop" and block.annotations["run"] == 1
    assert block.segments[0].analogsignals[0].shape == (10, 3)
    io_path = str(tmp_path / "io.pkl")
    pop.write_data(neo.io.PickleIO(io_path), "spikes")
    assert len(neo.io.PickleIO(io_path).read_block().segments[0].analogsignals) == 0
    mat_path = str(tmp_path / "out.mat")           # another neo IO, chosen by extension
    pop.write_data(mat_path)
    from_mat = neo.io.NeoMatlabIO(mat_path).read_block()
    assert from_mat.name == "pop" and [s.name for s in from_mat.segments] == ["segment0"]
    assert from_mat.segments[0].analogsignals[0].shape == (10, 3)
    assert len(from_mat.segments[0].spiketrains) == 3
    try:
        import nixio  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError):
            pop.write_data(str(tmp_path / "out.nix"))
    else:
        pop.write_data(str(tmp_path / "out.nix"))
        assert os.path.getsize(str(tmp_path / "out.nix")) > 0


def test_spike_counts_mean_spike_count_and_spinnaker_get_data(fresh):
    fresh(1.0)
    pop = _driven()
    pop.record(["spikes", "v"])
    sim.run(20)
    seg = pop.get_data().segments[0]
    counts = pop.get_spike_counts()
    assert counts == {i: len(seg.spiketrains[i]) for i in range(3)}
    assert all(isinstance(c, np.int64) for c in counts.values())
    assert pop.mean_spike_count() == np.mean([len(s) for s in seg.spiketrains])
    with pytest.warns(UserWarning, match="non-standard"):
        spikes = pop.spinnaker_get_data("spikes")
    assert spikes.shape == (sum(counts.values()), 2)
    assert np.all(np.diff(spikes[:, 0]) >= 0)
    assert list(spikes[spikes[:, 0] == 0, 1]) == list(seg.spiketrains[0].magnitude)
    v = pop.spinnaker_get_data("v")
    assert v.shape == (20 * 3, 3)
    signal = seg.filter(name="v")[0].magnitude
    assert np.array_equal(v[:, 0], np.repeat([0, 1, 2], 20)), "by neuron index, then time"
    assert np.array_equal(v[:20, 1], np.arange(20.0))
    assert np.array_equal(v[20:40, 2], signal[:, 1])
    view_counts = pop[1:3].get_spike_counts()
    assert view_counts == {1: counts[1], 2: counts[2]}
    matrix = pop.spinnaker_get_data("v", as_matrix=True)
    assert np.array_equal(matrix, seg.filter(name="v")[0].magnitude)
    none = sim.Population(1, sim.IF_curr_exp())
    with pytest.raises(ConfigurationError, match="did not record spikes"):
        none.get_spike_counts()


# ---------------------------------------------------------------------------------------------
# end, setup again, network changes
# ---------------------------------------------------------------------------------------------
def test_end_refuses_calls_but_keeps_data_readable(fresh):
    fresh(1.0)
    pop = _driven()
    pop.record(["spikes", "v"])
    prj = sim.Projection(pop, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.1, delay=1))
    sim.run(10)
    sim.end()
    with pytest.warns(UserWarning, match="already"):
        sim.end()
    for call in (lambda: sim.run(10), sim.reset,
                 lambda: sim.Population(1, sim.IF_curr_exp()),
                 lambda: sim.Projection(pop, pop, sim.AllToAllConnector()),
                 lambda: pop.record("v"), lambda: pop.set(tau_m=10.0),
                 lambda: pop.initialize(v=-60.0), lambda: prj.set(weight=1.0)):
        with pytest.raises(SimulatorShutdownError, match="end"):
            call()
    block = pop.get_data()
    assert block.segments[0].analogsignals[0].shape == (10, 3)
    assert pop.get_spike_counts()
    assert len(prj.get("weight", format="list")) == 3
    # and a new simulation can start
    sim.setup(timestep=1.0)
    fresh_pop = sim.Population(2, sim.IF_curr_exp())
    assert fresh_pop.first_id == 0 and fresh_pop.label == "IF_curr_exp vertex"
    assert sim.run(5) == 5.0


def test_adding_a_population_after_a_run_needs_reset(fresh):
    fresh(1.0)
    pop = _driven()
    pop.record(["v", "spikes"])
    sim.run(10)
    late = sim.Population(2, sim.IF_curr_exp(), label="late")       # the constructor succeeds
    late.record("v")
    with pytest.raises(NetworkChangedError, match="without reset"):
        sim.run(10)
    assert isinstance(NetworkChangedError("x"), NotImplementedError)
    assert pop.get_data().segments[0].analogsignals[0].shape == (10, 3), "data kept"
    assert sim.get_current_time() == 10.0
    sim.reset()
    sim.run(10)
    block = pop.get_data()
    assert [s.name for s in block.segments] == ["segment0", "segment1"]
    assert block.segments[0].analogsignals[0].shape == (10, 3)
    assert late.get_data().segments[-1].analogsignals[0].shape == (10, 2)


def test_adding_a_projection_after_a_run_needs_reset(fresh):
    fresh(1.0)
    pop = _driven()
    sim.run(5)
    sim.Projection(pop, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.1, delay=1))
    with pytest.raises(NetworkChangedError):
        sim.run(5)
    sim.reset()
    assert sim.run(5) == 5.0


def test_spaces_and_positions(fresh):
    fresh(1.0)
    pop = sim.Population(12, sim.IF_curr_exp(), structure=sim.Grid2D(aspect_ratio=3.0, dx=2.0))
    assert pop.positions.shape == (3, 12)
    line = sim.Population(4, sim.IF_curr_exp(), structure=sim.Line(dx=5.0))
    assert list(line.positions[0]) == [0.0, 5.0, 10.0, 15.0]
    cube = sim.Population(8, sim.IF_curr_exp(), structure=sim.Grid3D())
    assert cube.positions.shape == (3, 8)
    rnd = sim.Population(5, sim.IF_curr_exp(),
                         structure=sim.RandomStructure(sim.Cuboid(1, 1, 1), rng=NumpyRNG(3)))
    assert np.all(np.abs(rnd.positions) <= 0.5)
    sphere = sim.Sphere(2.0)
    assert sphere.sample(4, NumpyRNG(1)).shape == (4, 3)
    assert sim.distance(pop[0], pop[1]) == np.linalg.norm(pop.positions[:, 0] - pop.positions[:, 1])


def test_projection_onto_an_assembly_defaults_to_excitatory_in_every_process():
    """PyNN's Assembly.receptor_types comes from a set: with PYTHONHASHSEED=0 it listed
    "inhibitory" first and the default receptor of a Projection onto an Assembly flipped."""
    import subprocess
    import sys
    code = ("import warnings; warnings.simplefilter('ignore')\n"
            "import pynn_spinn_virtual as sim\n"
            "sim.setup(timestep=1.0)\n"
            "a = sim.Population(2, sim.IF_curr_exp()); b = sim.Population(2, sim.IF_curr_exp())\n"
            "prj = sim.Projection(a, a + b, sim.AllToAllConnector(), sim.StaticSynapse(weight=1.0))\n"
            "print((a + b).receptor_types, prj.receptor_type)\n")
    env = dict(os.environ, PYTHONHASHSEED="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["['excitatory',", "'inhibitory']", "excitatory"]
