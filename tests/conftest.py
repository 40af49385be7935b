"""Shared fixtures: a fresh simulator per test, ended afterwards."""
import os
import warnings

import pytest

# the tests run many simulations: no toolchain-style report folders unless a test asks
os.environ.setdefault("PYNN_SPINN_VIRTUAL_REPORTS", "0")

import pynn_spinn_virtual as sim


@pytest.fixture
def fresh():
    """A function that calls setup(timestep=dt, ...) quietly; end() runs after the test."""
    def setup(dt=1.0, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sim.setup(timestep=dt, **kwargs)

    yield setup
    if not sim.simulator.state.ended:
        sim.end()


@pytest.fixture
def simulation(fresh):
    """setup(timestep=1.0) with warnings silenced for the whole test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fresh(1.0)
        yield
