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


@pytest.fixture(params=["lanes", "scalar"])
def neuron_update(request, monkeypatch):
    """Runs a test twice: with the kernel's vectorised neuron update (8 neurons at a time,
    where the model and the processor have it) and with the scalar one."""
    monkeypatch.setenv("PYNN_SPINN_VIRTUAL_NEURON_LANES",
                       "1" if request.param == "lanes" else "0")
    return request.param
