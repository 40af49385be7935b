"""Warnings for what this backend accepts but the SpiNNaker toolchain on the portal refuses.

A script tested locally should not fail hours later in the portal's queue.  Where sPyNNaker
raises on something other PyNN backends (and this one) accept, we accept it and warn at the
call, naming the projection or population and what the portal will do.  Every warning is
also kept in :data:`collected` (the ``check`` command lists them).

Checked here (docs/portal.md):

* ``rng=`` with a seed passed to a connector, or a ``RandomDistribution`` with a seeded
  ``rng`` used for weights, delays, parameters or initial values: sPyNNaker raises
  ``ConfigurationException`` ("Use of rng in ... is not supported in sPyNNaker in this
  case. Please instead use seed=<seed> in the target Population ...") unless
  ``[Simulation] error_on_non_spynnaker_pynn = False``.  As in sPyNNaker, an rng without a
  seed is not reported;
* an ``Assembly`` (``pop1 + pop2``): sPyNNaker raises ``NotImplementedError``;
* ``get_min_delay()`` (crashes in sPyNNaker 7.4.1 with PyNN 0.13) and ``get_max_delay()``
  (always raises ``NotImplementedError`` in sPyNNaker).
"""
import functools
import warnings

from pyNN.parameters import LazyArray
from pyNN.random import RandomDistribution

#: the seed PyNN gives a connector's generator when no ``rng=`` is passed (pyNN.connectors)
PYNN_DEFAULT_CONNECTOR_SEED = 151985012

GET_MIN_DELAY = (
    "sim.get_min_delay() fails in sPyNNaker 7.4.1 with PyNN 0.13 ('SpiNNaker' object has no "
    "attribute 'min_delay'); use sim.get_time_step() for the smallest delay")
GET_MAX_DELAY = (
    "sim.get_max_delay() raises NotImplementedError in sPyNNaker (\"sPyNNaker does not have a "
    "system wide max_delay\"); do not call it in a script for the portal")

#: every warning issued in this process: {"kind", "where", "message"}, without duplicates
collected = []


class PortalCompatibilityWarning(UserWarning):
    """Something this backend accepts but the SpiNNaker toolchain on the portal refuses."""


def report(kind, where, message, stacklevel=3):
    """Warn (once per distinct message) and remember the warning for ``check``."""
    entry = {"kind": kind, "where": where, "message": message}
    if entry in collected:
        return
    collected.append(entry)
    warnings.warn(message, PortalCompatibilityWarning, stacklevel=stacklevel)


def _user_seeded(rng, connector_default=False):
    """True when `rng` is a generator the user gave a seed (what sPyNNaker's check_rng refuses)."""
    seed = getattr(rng, "seed", None)
    if rng is None or seed is None:
        return False
    # a connector without rng= gets PyNN's own generator, with this fixed seed
    return not (connector_default and seed == PYNN_DEFAULT_CONNECTOR_SEED)


def _distribution(value):
    if isinstance(value, LazyArray):
        value = value.base_value
    return value if isinstance(value, RandomDistribution) else None


def _rng_message(owner, where):
    return (f"{owner}: Use of rng in {where} is not supported in sPyNNaker in this case. "
            f"Please instead use seed=<seed> in the target Population to ensure random "
            f"numbers are seeded. (Accepted here, but the SpiNNaker toolchain on the portal "
            f"raises ConfigurationException for it.)")


def check_projection(projection):
    """A new Projection: seeded rng in its connector or its weight/delay distributions."""
    owner = f"Projection '{projection.label}'"
    connector = projection._connector
    if _user_seeded(getattr(connector, "rng", None), connector_default=True):
        report("rng", owner, _rng_message(owner, type(connector).__name__), stacklevel=4)
    parameters = getattr(projection.synapse_type, "parameter_space", None)
    for name in (parameters.keys() if parameters is not None else ()):
        distribution = _distribution(parameters[name])
        if distribution is not None and _user_seeded(distribution.rng):
            report("rng", owner, _rng_message(
                owner, f"the RandomDistribution of the {name}s of "
                       f"{type(projection.synapse_type).__name__}"), stacklevel=4)


def check_values(population, what, values):
    """Parameters or initial values given to a Population: seeded RandomDistributions."""
    owner = f"Population '{population.label}'"
    for name in (values.keys() if values is not None else ()):
        distribution = _distribution(values[name])
        if distribution is not None and _user_seeded(distribution.rng):
            report("rng", owner, _rng_message(
                owner, f"the RandomDistribution of {what} '{name}'"), stacklevel=4)


def check_assembly(assembly):
    labels = ", ".join(f"'{p.label}'" for p in assembly.populations)
    report("Assembly", f"Assembly '{assembly.label}'",
           f"Assembly '{assembly.label}' of {labels}: sPyNNaker does not support Assemblies "
           f"(Population + Population raises NotImplementedError on the portal); create "
           f"the Projections and recordings of each Population instead.", stacklevel=4)


def refused_call(function, message):
    """Wrap a control function that sPyNNaker refuses: warn at each use, then call it."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        report("call", f"{function.__name__}()", message)
        return function(*args, **kwargs)
    return wrapper
