"""Mapping a PyNN network onto SpiNNaker cores, as the toolchain does before a run.

The pipeline (a subset of sPyNNaker's, grown issue by issue):

1. partition every population into core-sized slices (:mod:`.partition`);
2. split every projection into edges, one per (pre slice, post slice) pair that has
   connections;
3. choose each neuron core's ring-buffer left shift per synapse type from its incoming
   edges (:mod:`pynn_spinn_virtual.weight_scaling`, the toolchain's algorithm);
4. quantise the weights to 16 bits with that shift and build the synaptic rows
   (:mod:`pynn_spinn_virtual.connectivity`).

The result, a :class:`Mapping`, is what the kernel runs: its cores are the kernel's cores.
"""
from dataclasses import dataclass, field

import numpy as np

from .. import connectivity, weight_scaling
from . import generation
from ..exceptions import MappingError
from .partition import CoreSlice, n_bits, slice_bounds


@dataclass
class Edge:
    """The connections of one projection from one pre core to one post core."""
    projection: object
    pre_core: CoreSlice
    post_core: CoreSlice
    connection_ids: np.ndarray     #: indices into the projection's connection arrays
    pre_atoms: np.ndarray          #: pre neuron of each connection, index in its population
    post_atoms: np.ndarray         #: post neuron of each connection, index in its population
    synapse_type: int
    path: str = None               #: generation.HOST or generation.MACHINE
    row_offsets: np.ndarray = None
    words: np.ndarray = None


@dataclass
class Mapping:
    cores: list
    edges: list
    population_cores: dict = field(default_factory=dict)

    def cores_of(self, population):
        return self.population_cores[population]


def map_network(populations, projections, dt_ms, profile):
    """Partition, split, scale and encode the network; return a :class:`Mapping`."""
    cores, population_cores = _partition(populations, profile)
    edges = _split_projections(projections, population_cores)
    generation.choose_paths(edges)
    incoming = {core.index: [] for core in cores}
    for edge in edges:
        incoming[edge.post_core.index].append(edge)
    for population, slices in population_cores.items():
        if population.celltype.core_kind != "neuron":
            continue
        shifts = _population_shifts(population, incoming[slices[0].index], dt_ms, profile)
        for core in slices:
            _encode_core(core, shifts, incoming[core.index], dt_ms, profile)
    return Mapping(cores=cores, edges=edges, population_cores=population_cores)


def _partition(populations, profile):
    cores = []
    population_cores = {}
    for population in populations:
        limit = population._max_atoms_per_core(profile)
        slices = []
        for k, (lo, hi) in enumerate(slice_bounds(population.size, limit)):
            core = CoreSlice(population, lo, hi, index=len(cores), slice_index=k)
            cores.append(core)
            slices.append(core)
        population_cores[population] = slices
    return cores, population_cores


def _split_projections(projections, population_cores):
    edges = []
    for projection in projections:
        for pre_pop, post_pop, ids, pre_idx, post_idx in projection._connections_by_population():
            pre_slices = population_cores[pre_pop]
            post_slices = population_cores[post_pop]
            pre_core_of = _slice_lookup(pre_slices, pre_idx)
            post_core_of = _slice_lookup(post_slices, post_idx)
            key = pre_core_of * len(post_slices) + post_core_of
            order = np.argsort(key, kind="stable")
            keys, starts = np.unique(key[order], return_index=True)
            ends = np.append(starts[1:], len(order))
            for k, lo, hi in zip(keys, starts, ends):
                members = order[lo:hi]
                edges.append(Edge(
                    projection=projection,
                    pre_core=pre_slices[int(k) // len(post_slices)],
                    post_core=post_slices[int(k) % len(post_slices)],
                    connection_ids=ids[members],
                    pre_atoms=pre_idx[members],
                    post_atoms=post_idx[members],
                    synapse_type=projection._synapse_type_index))
    return edges


def _slice_lookup(slices, atom_indices):
    """Index of the slice holding each atom."""
    starts = np.array([s.lo for s in slices])
    return np.searchsorted(starts, atom_indices, side="right") - 1


def _population_shifts(population, first_core_edges, dt_ms, profile):
    """Ring-buffer left shift per synapse type, chosen once per population (as 6.0 does).

    6.0 computes it when the first core of the population is loaded, from the projections
    with an edge into that core, and every core of the population then uses it; we take
    the population's lowest slice as that first core (docs/toolchain6.md, decision 2).
    """
    celltype = population.celltype
    statistics = [_edge_statistics(edge, dt_ms, profile) for edge in first_core_edges]
    shifts = profile.ring_buffer_left_shifts(
        statistics, celltype.n_synapse_types, celltype.weight_scale, dt_ms,
        ring_buffer_sigma=population._ring_buffer_sigma(profile))
    for synapse_type, shift in enumerate(shifts):
        if shift > 16:
            names = ", ".join(sorted({e.projection.label for e in first_core_edges
                                      if e.synapse_type == synapse_type}))
            raise MappingError(
                f"The weights into Population '{population.label}' on receptor "
                f"'{celltype.synapse_component.receptor_types[synapse_type]}' need a ring-buffer "
                f"left shift of {shift}, but at most 16 is possible: the summed weights of "
                f"{names} are too large for the 16-bit ring buffer")
    return shifts


def _encode_core(core, shifts, edges, dt_ms, profile):
    """The 16-bit weights, machine delays and synaptic rows of one neuron core."""
    celltype = core.population.celltype
    scales = weight_scaling.weight_scale_factors(shifts, celltype.weight_scale)
    core.extra["shifts"] = np.asarray(shifts, dtype=np.uint32)
    core.extra["weight_scales"] = np.asarray(scales, dtype=np.float64)
    core.extra["index_bits"] = n_bits(core.n_atoms)
    core.extra["type_bits"] = n_bits(celltype.n_synapse_types)
    core.extra["delay_bits"] = profile.ring_buffer_delay_bits
    mts = profile.machine_time_step_us(dt_ms)
    for edge in edges:
        projection = edge.projection
        ids = edge.connection_ids
        scale = scales[edge.synapse_type]
        weights = projection._conn_weight[ids]
        delays = projection._conn_delay[ids]
        if edge.path == generation.MACHINE:
            weight_ints = connectivity.expander_weight_ints(weights, scale)
            delay_ticks = connectivity.expander_delay_ticks(delays, mts)
        else:
            _check_single_sign(projection, edge, weights)
            weight_ints = connectivity.host_weight_ints(weights, scale)
            delay_ticks = connectivity.host_delay_ticks(delays, mts)
        # what the machine holds, read back in native units; the user's sign is kept
        projection._record_machine_values(
            ids, np.copysign(weight_ints / scale, weights), delay_ticks)
        edge.row_offsets, edge.words = connectivity.build_rows(
            edge.pre_atoms - edge.pre_core.lo, edge.post_atoms - core.lo, weight_ints,
            delay_ticks, edge.synapse_type, edge.pre_core.n_atoms, core.extra["index_bits"],
            core.extra["type_bits"], core.extra["delay_bits"])


def _check_single_sign(projection, edge, weights):
    """6.0 refuses a host-generated block whose computed weights have both signs."""
    if projection._weights_from_list():
        return
    if np.any(weights > 0) and np.any(weights < 0):
        raise MappingError(
            f"Weights must be either all positive or all negative in projection "
            f"{projection.label} ({edge.pre_core.label} -> {edge.post_core.label})")


def _edge_statistics(edge, dt_ms, profile):
    projection = edge.projection
    post = edge.post_core.population
    pre = edge.pre_core.population
    pre_max_rate = pre._max_poisson_rate() if pre.celltype.core_kind == "poisson" else None
    return weight_scaling.edge_statistics(
        projection._connector, projection._weight_spec(), projection._delay_spec(),
        projection.pre.size, projection.post.size,
        (edge.pre_core.lo, edge.pre_core.hi), (edge.post_core.lo, edge.post_core.hi), dt_ms,
        realised_weights=np.abs(projection._conn_weight[edge.connection_ids]),
        realised_delays=projection._conn_delay[edge.connection_ids],
        synapse_type=edge.synapse_type,
        spikes_per_second=post._spikes_per_second(profile),
        pre_max_rate=pre_max_rate,
        distances=projection._distances_if_needed(),
        projection_id=id(projection))
