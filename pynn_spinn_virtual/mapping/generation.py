"""Which synaptic rows the host writes and which the on-chip synapse expander generates.

The two paths quantise differently (docs/toolchain6.md, Q3): host rows round the weight,
``rint(|w| * scale)``, and the delay, ``rint(d / dt)``; expander rows take the s16.15 value
of the weight and truncate, ``floor(|S1615(w)| * scale)``, and truncate the delay computed in
s16.15 (0.3 ms at dt = 0.1 ms becomes 2 ticks).  A real SpiNNaker machine uses the expander
for the common connectors with constant or simple random weights and delays, so to give the
machine's numbers we must decide the path per projection the way the toolchain does.

What we cannot reproduce: where the expander also draws the *connectivity* or random
weights with the chip's own random number generator (FixedProbability, FixedNumber...,
random weights), our connections and weight values come from PyNN's generator; only their
quantisation follows the expander.
"""
import numpy as np
from pyNN.random import RandomDistribution

HOST = "host"
MACHINE = "machine"

#: connectors the 6.0 synapse expander can generate
EXPANDER_CONNECTORS = (
    "AllToAllConnector", "OneToOneConnector", "FixedProbabilityConnector",
    "FixedNumberPreConnector", "FixedNumberPostConnector", "FixedTotalNumberConnector",
    "MultapseConnector", "KernelConnector",
)
#: random distributions the expander can draw
EXPANDER_DISTRIBUTIONS = ("uniform", "uniform_int", "normal", "normal_clipped",
                          "normal_clipped_to_boundary", "exponential")
#: bytes of "direct" (one-to-one, host-written) matrices a core may hold
DIRECT_MATRIX_BUDGET_BYTES = 2048


def _generatable(value):
    if isinstance(value, RandomDistribution):
        return value.name in EXPANDER_DISTRIBUTIONS
    return np.ndim(value) == 0 and not isinstance(value, str) and not callable(value)


def projection_can_use_expander(projection):
    """True if the connector and the weight/delay specification are generatable on chip."""
    if type(projection._connector).__name__ not in EXPANDER_CONNECTORS:
        return False
    if projection._is_assembly_projection():
        return False
    return _generatable(projection._weight_spec()) and _generatable(projection._delay_spec())


def _is_direct_candidate(edge, delay_slots):
    """A one-to-one edge between identically sliced populations (no views, no delay stage)."""
    projection = edge.projection
    if type(projection._connector).__name__ != "OneToOneConnector":
        return False
    if projection._involves_views():
        return False
    if len(edge.host_ticks) and edge.host_ticks.max() > delay_slots:
        return False
    return (edge.pre_core.lo == edge.post_core.lo and edge.pre_core.hi == edge.post_core.hi)


def choose_paths(edges, delay_slots):
    """Set ``edge.path`` to HOST or MACHINE for every edge, as the 6.0 toolchain would.

    `delay_slots` is the on-core delay range: an edge that needs a delay extension is
    never a "direct" matrix.
    """
    direct_bytes = {}
    for edge in edges:
        projection = edge.projection
        if not projection._can_use_expander:
            edge.path = HOST
            continue
        if _is_direct_candidate(edge, delay_slots):
            used = direct_bytes.get(edge.post_core.index, 0)
            cost = 4 * edge.pre_core.n_atoms
            if used + cost <= DIRECT_MATRIX_BUDGET_BYTES:
                direct_bytes[edge.post_core.index] = used + cost
                edge.path = HOST
                continue
        edge.path = MACHINE
