"""The mapper from a user's point of view: slices, delay extensions, machine fit (issue 4)."""
import numpy as np
import pytest

import pynn_spinn_virtual as sim
from pynn_spinn_virtual.exceptions import MappingError
from pynn_spinn_virtual.mapping import resources


def _mapping():
    return sim.simulator.state.ensure_mapped()


def _slices(population):
    return [(c.lo, c.hi - 1) for c in _mapping().cores_of(population)]


def test_1000_neurons_are_cut_into_slices_of_256(simulation):
    pop = sim.Population(1000, sim.IF_curr_exp(), label="big")
    assert _slices(pop) == [(0, 255), (256, 511), (512, 767), (768, 999)]
    labels = [v.label for v in _mapping().graph.vertices]
    assert labels == ["big(0:255)", "big(256:511)", "big(512:767)", "big(768:999)"]


def test_neurons_per_core_option_and_model_limit(simulation):
    a = sim.Population(300, sim.IF_cond_exp(), neurons_per_core=100, label="a")
    b = sim.Population(600, sim.SpikeSourcePoisson(rate=1.0), label="b")
    c = sim.Population(3000, sim.SpikeSourceArray(spike_times=[1.0]), label="c")
    assert _slices(a) == [(0, 99), (100, 199), (200, 299)]
    assert _slices(b) == [(0, 499), (500, 599)]          # Poisson: 500 per core (6.0)
    assert _slices(c) == [(0, 2999)]                     # spike arrays: no limit (6.0)


def test_fan_in_above_8000_lowers_neurons_per_core(simulation):
    """256 neurons receiving 8001 synapses each no longer fit one core's share of a chip's
    SDRAM (32 MB of synaptic words), so the partitioner cuts smaller slices."""
    source = sim.Population(9000, sim.SpikeSourceArray(spike_times=[]), label="source")
    light = sim.Population(256, sim.IF_curr_exp(), label="light")
    heavy = sim.Population(256, sim.IF_curr_exp(), label="heavy")
    sim.Projection(source, light, sim.FixedNumberPreConnector(1000, rng=sim.NumpyRNG(1)),
                   sim.StaticSynapse(weight=0.01))
    sim.Projection(source, heavy, sim.FixedNumberPreConnector(8001, rng=sim.NumpyRNG(2)),
                   sim.StaticSynapse(weight=0.01))
    assert len(_slices(light)) == 1
    heavy_slices = _slices(heavy)
    assert len(heavy_slices) > 1
    size = heavy_slices[0][1] - heavy_slices[0][0] + 1
    budget = resources.core_budget(sim.simulator.state.profile)
    assert size * 8001 * resources.STATIC_SYNAPSE_BYTES < budget
    assert (size + 1) * 8001 * resources.STATIC_SYNAPSE_BYTES + 9000 * 12 > budget - 64 * 1024
    for vertex in _mapping().graph.vertices:
        assert vertex.sdram_bytes <= budget


def _network(delay):
    pops = [sim.Population(256, sim.IF_curr_exp(), label=f"p{i}") for i in range(4)]
    for a, b in zip(pops, pops[1:]):
        sim.Projection(a, b, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.5, delay=delay))
    return pops


def test_long_delays_add_delay_extension_cores(simulation):
    """A delay beyond 16 ticks needs a delay-extension core per source slice: long delays
    double the cores of this chain (the seed's "long delays halve capacity")."""
    _network(10.0)
    short = len(_mapping().cores)
    sim.setup(timestep=1.0)
    _network(40.0)
    mapping = _mapping()
    long = len(mapping.cores)
    assert short == 4
    assert long == 7            # 4 population cores + delay cores of the 3 source slices
    delays = [c for c in mapping.cores if c.kind == "delay"]
    assert [c.extra["n_stages"] for c in delays] == [2, 2, 2]    # 40 ticks: stage 2, r = 8
    assert {v.label for v in mapping.graph.vertices if v.kind == "delay"} == {
        "Delay extension for p0(0:255)", "Delay extension for p1(0:255)",
        "Delay extension for p2(0:255)"}


def test_delays_up_to_144_ticks_are_accepted(simulation):
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[1.0]), label="src")
    post = sim.Population(2, sim.IF_curr_exp(), label="post")
    proj = sim.Projection(src, post, sim.OneToOneConnector(),
                          sim.StaticSynapse(weight=0.5, delay=144.0))
    assert {d for _, _, d in proj.get("delay", format="list")} == {144.0}
    (delay_core,) = _mapping().delay_cores
    assert delay_core.extra["n_stages"] == 8


def test_hbp_machine_capacity_comes_out_of_the_model(simulation):
    machine = sim.machine.hbp_machine()
    assert machine.n_cores == 1_036_800
    assert machine.n_application_cores * 256 == 250_675_200


def test_default_machine_is_sized_to_the_model(simulation):
    sim.Population(800 * 256, sim.IF_curr_exp(), label="big")
    machine = sim.get_machine()
    needed = _mapping().placements.n_chips_used
    assert machine.n_chips >= needed
    assert machine.n_boards < 48


def test_a_model_needing_two_boards_on_one_board_raises_with_both_numbers(fresh):
    fresh(1.0, machine="spinn5")
    sim.Population(48 * 17 * 256 + 1, sim.IF_curr_exp(), label="too big")
    with pytest.raises(MappingError) as err:
        sim.run(1.0)
    message = str(err.value)
    assert "49" in message and "48" in message


def test_n_boards_required_fixes_the_machine(fresh):
    fresh(1.0, n_boards_required=3)
    assert sim.get_machine().n_boards == 3
    sim.Population(10, sim.IF_curr_exp())
    assert _mapping().machine.n_boards == 3


def test_every_core_is_placed_on_an_application_core(simulation):
    pops = [sim.Population(n, sim.IF_curr_exp()) for n in (300, 10, 1000)]
    mapping = _mapping()
    seen = set()
    for vertex in mapping.graph.vertices:
        x, y, p = mapping.placements[vertex]
        assert p != 0                       # core 0 runs the monitor
        assert (x, y, p) not in seen
        seen.add((x, y, p))
    assert len(seen) == sum(len(mapping.cores_of(p)) for p in pops)
    assert np.all(np.array([p for _, _, p in seen]) <= 17)


def test_spynnaker_cfg_chooses_the_machine(tmp_path, monkeypatch, fresh):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spynnaker.cfg").write_text("[Machine]\nversion = 3\nvirtual_board = True\n")
    fresh(1.0)
    assert sim.get_machine().n_chips == 4
    (tmp_path / "spynnaker.cfg").write_text("[Machine]\nversion = 5\nwidth = 8\nheight = 8\n")
    fresh(1.0)
    assert sim.get_machine().n_chips == 48
    (tmp_path / "spynnaker.cfg").write_text("[Machine]\nversion = None\n")
    fresh(1.0)
    sim.Population(10, sim.IF_curr_exp())
    assert sim.get_machine().n_boards == 1     # sized to the model


def test_plastic_synapses_lower_neurons_per_core_further(simulation):
    """Same fan-in (6000 of 80,000 sources) onto two populations: as static synapses the
    256 neurons fit one core's SDRAM share; as plastic ones (a pre-trace header per row and a
    post-synaptic history per neuron more) they do not, so the slices get smaller."""
    source = sim.Population(80000, sim.SpikeSourceArray(spike_times=[]), label="source")
    static = sim.Population(256, sim.IF_curr_exp(), label="static")
    plastic = sim.Population(256, sim.IF_curr_exp(), label="plastic")
    connector = sim.FixedNumberPreConnector(6000, rng=sim.NumpyRNG(3))
    sim.Projection(source, static, connector, sim.StaticSynapse(weight=0.01))
    stdp = sim.STDPMechanism(timing_dependence=sim.SpikePairRule(),
                             weight_dependence=sim.AdditiveWeightDependence(w_max=0.02),
                             weight=0.01)
    sim.Projection(source, plastic, connector, stdp)
    assert len(_slices(static)) == 1
    assert len(_slices(plastic)) > 1


def test_a_spike_source_array_beyond_the_kernel_core_size_is_refused_clearly():
    """A SpikeSourceArray has no atoms-per-core limit in the toolchain (it maps); the
    kernel's cores hold at most 2**16 atoms: running it is a clear error naming the
    population and the remedy."""
    sim.setup(timestep=1.0)
    sim.Population(70000, sim.SpikeSourceArray(spike_times=[]), label="wide")
    sim.Population(2, sim.IF_curr_exp(), label="pop")
    with pytest.raises(MappingError, match="'wide': 70000 atoms on one core.*at most 65536"):
        sim.run(1.0)
    sim.end()


def test_wide_spike_source_slices_keep_their_indices():
    """Two slices of 35,000 source atoms: source 69,999 is atom 34,999 of the second core."""
    sim.setup(timestep=1.0)
    src = sim.Population(70000, sim.SpikeSourceArray(spike_times=[]), label="wide",
                         additional_parameters={"neurons_per_core": 35000})
    src[69999:70000].set(spike_times=[5.0])
    src[4463:4464].set(spike_times=[20.0])
    pop = sim.Population(2, sim.IF_curr_exp(), label="pop")
    sim.Projection(src, pop, sim.FromListConnector([(69999, 0), (4463, 1)]),
                   sim.StaticSynapse(weight=5.0, delay=1.0))
    pop.record("spikes")
    sim.run(40.0)
    trains = pop.get_data("spikes").segments[0].spiketrains
    first = [float(t[0]) if len(t) else None for t in trains]
    assert [c.n_atoms for c in sim.simulator.state.mapping.cores_of(src)] == [35000, 35000]
    assert 5.0 < first[0] < 20.0 and first[1] > 20.0, first
    sim.end()
