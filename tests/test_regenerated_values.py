"""Large projections keep their RandomDistribution weights and delays as the state of the
generator copies PyNN draws them from, and draw them again when asked: the values are those
of the build, bit for bit, every time and through every way of reading them."""
import warnings

import numpy as np
import pytest

import pynn_spinn_virtual as sim
from pynn_spinn_virtual import fast_connectors, projections


@pytest.fixture(autouse=True)
def _fresh_simulator():
    yield
    if not sim.simulator.state.ended:
        sim.end()


def _network(min_connections, connector, weight=None, delay=None, size=60):
    """A projection built once with its values kept (threshold above its size) and once
    drawn again (threshold below), from the same seeds."""
    results = []
    for threshold in (10**9, min_connections):
        projections.REGENERATE_MIN, saved = threshold, projections.REGENERATE_MIN
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sim.setup(timestep=0.1)
                a = sim.Population(size, sim.IF_curr_exp(), label="a")
                b = sim.Population(size, sim.IF_curr_exp(), label="b")
                synapse = sim.StaticSynapse(
                    weight=weight or sim.RandomDistribution(
                        "normal_clipped", mu=0.5, sigma=0.3, low=0.0, high=1.0,
                        rng=sim.NumpyRNG(seed=21)),
                    delay=delay or sim.RandomDistribution("uniform", (0.1, 4.0),
                                                          rng=sim.NumpyRNG(seed=22)))
                projection = sim.Projection(a, b, connector(), synapse, label="a->b")
                results.append(projection)
        finally:
            projections.REGENERATE_MIN = saved
        if threshold == 10**9:
            kept = {name: np.array(projection.get(name, "list", with_address=True))
                    for name in ("weight", "delay")}
            sim.run(1.0)
            kept_machine = np.array(projection.get(["weight", "delay"], "array"))
            sim.end()
    return projection, kept, kept_machine


CONNECTORS = {
    "FixedTotalNumber": lambda: sim.FixedTotalNumberConnector(900, rng=sim.NumpyRNG(seed=5)),
    "FixedProbability": lambda: sim.FixedProbabilityConnector(0.3, rng=sim.NumpyRNG(seed=6)),
    "AllToAll": lambda: sim.AllToAllConnector(),
    "FixedNumberPre": lambda: sim.FixedNumberPreConnector(7, rng=sim.NumpyRNG(seed=7)),
    "FromList": lambda: sim.FromListConnector([(i % 60, (7 * i) % 60) for i in range(300)]),
}


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_values_drawn_again_are_those_of_the_build(name):
    projection, kept, kept_machine = _network(0, CONNECTORS[name])
    assert fast_connectors.last_outcome == "fast"
    for what in ("weight", "delay"):
        assert isinstance(projection._stored[what], fast_connectors.RandomValues)
        again = np.array(projection.get(what, "list", with_address=True))
        assert np.array_equal(again, kept[what])
        # and again, past the kept copies
        fast_connectors.forget_recent()
        assert np.array_equal(np.array(projection.get(what, "list", with_address=True)),
                              kept[what])
    sim.run(1.0)                      # mapped from values drawn again
    assert np.array_equal(np.array(projection.get(["weight", "delay"], "array")),
                          kept_machine, equal_nan=True)


def test_the_values_handed_out_are_read_only():
    projection, _, _ = _network(0, CONNECTORS["AllToAll"])
    weights = projection._conn_weight
    with pytest.raises(ValueError):
        weights[0] = 1.0


def test_set_replaces_the_generator_state():
    projection, kept, _ = _network(0, CONNECTORS["AllToAll"])
    projection.set(weight=0.25)
    assert isinstance(projection._stored["weight"], np.ndarray)
    assert np.all(np.array(projection.get("weight", "list", with_address=False)) == 0.25)
    assert isinstance(projection._stored["delay"], fast_connectors.RandomValues)


def test_small_projections_and_constants_keep_their_values():
    projection, _, _ = _network(10**6, CONNECTORS["AllToAll"])       # 3600 < threshold
    assert all(isinstance(v, np.ndarray) for v in projection._stored.values())
    projection, _, _ = _network(0, CONNECTORS["AllToAll"], weight=0.5, delay=1.0)
    assert all(isinstance(v, np.ndarray) for v in projection._stored.values())


def test_only_a_few_value_arrays_are_kept_at_once():
    sources = []
    for seed in range(5):
        projection, _, _ = _network(0, lambda: sim.FixedProbabilityConnector(
            0.2, rng=sim.NumpyRNG(seed=seed)))
        projection._conn_weight
        projection._conn_delay
        sources += [projection._stored["weight"], projection._stored["delay"]]
    assert len(fast_connectors._RECENT) == fast_connectors.RECENT_KEPT
    assert list(fast_connectors._RECENT) == sources[-fast_connectors.RECENT_KEPT:]
