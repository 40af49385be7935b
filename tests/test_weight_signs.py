"""6.0 refuses a host-written block whose weights have both signs, naming the projection
and the cores; the mapper knows a projection's signs without drawing its weights again."""
import warnings

import numpy as np
import pytest

import pynn_spinn_virtual as sim
from pynn_spinn_virtual.exceptions import MappingError


@pytest.fixture(autouse=True)
def _fresh_simulator():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.setup(timestep=1.0)
        yield
    if not sim.simulator.state.ended:
        sim.end()


def _projection(weights):
    a = sim.Population(4, sim.SpikeSourceArray(spike_times=[[1.0]] * 4), label="src")
    b = sim.Population(3, sim.IF_curr_exp(), label="dst")
    return sim.Projection(a, b, sim.AllToAllConnector(), sim.StaticSynapse(weight=weights),
                          label="src->dst")


def test_both_signs_in_one_block_are_refused():
    weights = np.full((4, 3), 0.5)
    weights[2, 1] = -0.5
    _projection(weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(MappingError, match="all positive or all negative.*src->dst"):
            sim.run(2.0)


def test_one_sign_maps():
    projection = _projection(np.full((4, 3), 0.5))
    assert not projection._weights_mixed
    sim.run(2.0)


def test_set_to_both_signs_is_refused_at_the_next_mapping():
    projection = _projection(np.full((4, 3), 0.5))
    weights = np.full((4, 3), 0.5)
    weights[0, 0] = -0.5
    projection.set(weight=weights)
    assert projection._weights_mixed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(MappingError, match="all positive or all negative"):
            sim.run(2.0)
