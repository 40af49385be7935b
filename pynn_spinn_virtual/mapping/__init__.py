"""Mapping a PyNN network onto SpiNNaker cores, as the toolchain does before a run.

The pipeline (docs/mapping.md):

1. partition every population into core-sized slices, smaller where a slice's SDRAM would
   not fit a core (:mod:`.partition`, :mod:`.resources`);
2. take every projection as groups of connections (one per pre and post population),
   decide per (pre slice, post slice) pair whether the host or the on-chip expander writes
   the rows (:mod:`.generation`) and give every connection its machine delay
   (:mod:`.synapses`);
3. route delays longer than the on-core slots through delay-extension cores (one per
   source slice, same slicing as the source);
4. choose each population's ring-buffer left shifts from its incoming projections
   (:mod:`pynn_spinn_virtual.weight_scaling`), quantise the weights
   (:mod:`pynn_spinn_virtual.connectivity`) and build the edges and their rows, a group at
   a time (:mod:`.synapses`);
5. build the machine graph, size or take the machine, place every core, allocate routing
   keys and build the routing tables (:mod:`.placement`, :mod:`.routing`).

The result, a :class:`Mapping`, is what the kernel runs: its cores are the kernel's cores.
"""
from dataclasses import dataclass, field

import numpy as np

from .. import indices, weight_scaling
from ..exceptions import MappingError
from ..machine import machine_for
from . import resources, synapses
from .placement import chips_needed, place
from .routing import allocate_keys, routing_tables
from .graph import MachineGraph, MachineVertex
from .partition import CoreSlice, n_bits, slice_bounds
from .synapses import Edge  # noqa: F401  (the edges of a Mapping)


@dataclass
class Mapping:
    cores: list
    edges: list
    population_cores: dict = field(default_factory=dict)
    graph: MachineGraph = None
    machine: object = None
    placements: object = None
    keys: object = None
    routing_tables: dict = None

    def cores_of(self, population):
        return self.population_cores[population]

    @property
    def delay_cores(self):
        return [c for c in self.cores if c.kind == "delay"]


def map_network(populations, projections, dt_ms, profile, machine=None):
    """Partition, split, scale and encode the network, then place and route it."""
    incoming = _incoming_connections(populations, projections)
    cores, population_cores = _partition(populations, incoming, profile)
    groups = synapses.connection_groups(projections, population_cores,
                                        profile.machine_time_step_us(dt_ms), profile)
    stages = synapses.delay_stages(groups, profile)
    delay_cores = _add_delay_cores(cores, stages, profile)
    groups_into = {population: [] for population in population_cores}
    for group in groups:
        groups_into[group.post].append(group)
    for population, slices in population_cores.items():
        if population.celltype.core_kind != "neuron":
            continue
        into = groups_into[population]
        shifts = _population_shifts(population, into, dt_ms, profile)
        mechanism = _plasticity_of(population, projections)
        scales = _set_core_layout(slices, shifts, profile)
        synapses.check_single_signs(into, profile)
        fan_in = synapses.encode_all(into, population, scales, delay_cores, stages, profile)
        for core in slices:
            core.extra["synapses_per_neuron"] = fan_in[core.lo:core.hi]
            if mechanism is not None:
                core.extra["plasticity"] = _plasticity_words(mechanism, core, dt_ms, profile)
    edges = [edge for group in groups for edge in group.edges]
    mapping = Mapping(cores=cores, edges=edges, population_cores=population_cores)
    for group in groups:
        group.edges = []             # the mapping holds them; the projection keeps the group
    mapping.graph = _machine_graph(mapping, profile)
    _place_and_route(mapping, machine, profile)
    return mapping


# -- 1. partitioning ---------------------------------------------------------------------
def _incoming_connections(populations, projections):
    """population -> [(projection, post indices, pre population)] of its incoming synapses."""
    incoming = {population: [] for population in populations}
    for projection in projections:
        for pre_pop, post_pop, _, _, post_idx in projection._connections_by_population():
            incoming[post_pop].append((projection, post_idx, pre_pop))
    return incoming


def _partition(populations, incoming, profile):
    cores = []
    population_cores = {}
    for population in populations:
        limit = _fitted_atoms_per_core(population, incoming[population], profile)
        slices = []
        for k, (lo, hi) in enumerate(slice_bounds(population.size, limit)):
            core = CoreSlice(population, lo, hi, index=len(cores), slice_index=k,
                             kind=population.celltype.core_kind)
            cores.append(core)
            slices.append(core)
        population_cores[population] = slices
    return cores, population_cores


def _fitted_atoms_per_core(population, incoming, profile):
    """The population's atoms per core, lowered until every slice's SDRAM fits a core."""
    limit = min(population._max_atoms_per_core(profile), population.size)
    if population.celltype.core_kind != "neuron":
        return limit
    budget = resources.core_budget(profile)
    per_neuron = sum(c.dtype().itemsize for c in population.celltype.components)
    rows = sum(pre.size for _, _, pre in incoming)
    plastic_rows = sum(pre.size for projection, _, pre in incoming if projection._is_plastic)
    # incoming synapses per neuron, static and plastic: a slice's are their sum
    fan_in = {kind: np.zeros(population.size, dtype=np.int64) for kind in (False, True)}
    for projection, post_idx, _ in incoming:
        fan_in[projection._is_plastic] += indices.bincount(post_idx, population.size)

    def fits(size):
        if size == 0:
            return True
        n_static = resources.synapses_per_slice(fan_in[False], size)
        n_plastic = resources.synapses_per_slice(fan_in[True], size)
        need = resources.neuron_core_bytes(
            size, per_neuron, rows, n_static + n_plastic, len(incoming),
            _recording_bytes(population, size, profile), n_plastic_rows=plastic_rows,
            n_plastic_synapses=n_plastic)
        return int(np.max(need)) <= budget

    fitted = resources.largest_fitting_slice(limit, fits)
    if fitted == 0:
        raise MappingError(
            f"Population '{population.label}': even one neuron per core needs more SDRAM than "
            f"a core's share of a chip ({budget} bytes): its incoming synaptic matrix is too "
            f"large")
    return fitted


def _recording_bytes(population, n_atoms, profile):
    recorder = population.recorder
    analog = [min(n_atoms, len(recorder.recorded_indices(name)))
              for name, _ in recorder.analog_variables()]
    intervals = [interval for _, interval in recorder.analog_variables()] or [1]
    return resources.recording_bytes(n_atoms, analog, recorder.is_recording("spikes"),
                                     min(intervals), profile.recording_buffer_ticks)


# -- 2. delay extensions ----------------------------------------------------------------
def _add_delay_cores(cores, stages, profile):
    """One delay-extension core per slice of every source population whose delays go beyond
    the on-core slots: {source core index: its delay core}.

    A connection of d ticks > L (the on-core slots) goes through stage k = (d - 1) // L of
    the delay core of its source slice and keeps r = d - k L in its row: the target adds it
    into slot t + k L + r = t + d, with no extra latency (kernel spec §5.2).  The delay cores
    (the toolchain's DelayExtensionVertex, same slicing) have as many stages as the source
    population's longest delay needs (:func:`.synapses.delay_stages`).
    """
    delay_core_of = {}
    for core in list(cores):
        n_stages = stages.get(core.population, 0)
        if core.kind != "delay" and n_stages > 0:
            delay = CoreSlice(core.population, core.lo, core.hi, index=len(cores),
                              slice_index=core.slice_index, kind="delay")
            delay.extra.update(source=core, n_stages=n_stages, stage_length=profile.delay_slots)
            cores.append(delay)
            delay_core_of[core.index] = delay
    return delay_core_of


# -- 3. weights and rows -------------------------------------------------------------------
def _population_shifts(population, groups_into, dt_ms, profile):
    """Ring-buffer left shift per synapse type, chosen once per population (as 6.0 does).

    6.0 computes it when the first core of the population is loaded, from the projections
    with an edge into that core, and every core of the population then uses it; we take
    the population's lowest slice as that first core (docs/toolchain6.md, decision 2).
    """
    celltype = population.celltype
    first = [group for group in groups_into if group.touches_first_slice()]
    statistics = [synapses.group_statistics(group, dt_ms, profile) for group in first]
    shifts = profile.ring_buffer_left_shifts(
        statistics, celltype.n_synapse_types, celltype.weight_scale, dt_ms,
        ring_buffer_sigma=population._ring_buffer_sigma(profile))
    for synapse_type, shift in enumerate(shifts):
        if shift > 16:
            names = ", ".join(sorted({g.projection.label for g in first
                                      if g.projection._synapse_type_index == synapse_type}))
            raise MappingError(
                f"The weights into Population '{population.label}' on receptor "
                f"'{celltype.synapse_component.receptor_types[synapse_type]}' need a ring-buffer "
                f"left shift of {shift}, but at most 16 is possible: the summed weights of "
                f"{names} are too large for the 16-bit ring buffer")
    return shifts


def _set_core_layout(slices, shifts, profile):
    """Every core of a population gets its shifts, weight scales and synaptic word layout;
    returns the weight scale per synapse type."""
    celltype = slices[0].population.celltype
    scales = weight_scaling.weight_scale_factors(shifts, celltype.weight_scale)
    for core in slices:
        core.extra["shifts"] = np.asarray(shifts, dtype=np.uint32)
        core.extra["weight_scales"] = np.asarray(scales, dtype=np.float64)
        core.extra["index_bits"] = n_bits(core.n_atoms)
        core.extra["type_bits"] = n_bits(celltype.n_synapse_types)
        core.extra["delay_bits"] = profile.ring_buffer_delay_bits
    return scales


def _plasticity_of(population, projections):
    """The one STDP mechanism of the plastic projections into `population`, or None.

    Like sPyNNaker, every plastic projection into a population must use the same rule.
    """
    mechanism = None
    for projection in projections:
        if not projection._is_plastic or population not in projection._post_map.populations:
            continue
        if mechanism is None:
            mechanism, first = projection.synapse_type, projection
        elif not mechanism.same_rule_as(projection.synapse_type):
            raise MappingError(
                f"Synapse dynamics must match exactly when using multiple plastic projections "
                f"to the same population: '{first.label}' and '{projection.label}' into "
                f"Population '{population.label}' use different STDP rules")
    return mechanism


def _plasticity_words(mechanism, core, dt_ms, profile):
    """What the kernel's set_plasticity() takes for this core (docs/models.md, STDP)."""
    timing = synapses.scalars(mechanism.timing_dependence)
    kind = mechanism.weight_dependence.kernel_name
    try:
        words = profile.stdp_weight_words(kind, synapses.scalars(mechanism.weight_dependence), timing,
                                          core.extra["weight_scales"])
    except (OverflowError, ValueError) as err:
        raise MappingError(f"Population '{core.population.label}': its STDP rule does not "
                           f"fit the machine's 32-bit weight words: {err}") from None
    return dict(
        timing=mechanism.timing_dependence.kernel_name, weight_dependence=kind,
        lut_plus=profile.stdp_lut(dt_ms, timing["tau_plus"]),
        lut_minus=profile.stdp_lut(dt_ms, timing["tau_minus"]),
        backprop_delay=mechanism.backprop_delay, **words)


# -- 4. machine graph, placement, routing ----------------------------------------------------
def _machine_graph(mapping, profile):
    """One machine vertex per core (in core order), with its SDRAM; one edge per route."""
    graph = MachineGraph()
    app_index = {}
    edges_into = {}
    for edge in mapping.edges:
        edges_into.setdefault(edge.post_core.index, []).append(edge)
    for core in mapping.cores:
        population = core.population
        app = (population, core.kind == "delay")
        app_index.setdefault(app, len(app_index))
        if core.kind == "delay":
            label = f"Delay extension for {core.extra['source'].label}"
            app_label = f"{population.label}_delayed"
        else:
            label, app_label = core.label, population.label
        vertex = MachineVertex(
            label=label, app_label=app_label, app_index=app_index[app],
            slice_index=core.slice_index, lo=core.lo, hi=core.hi, kind=core.kind,
            sdram_bytes=_core_sdram(core, edges_into.get(core.index, []), profile),
            n_keys=core.n_keys,
            constraint=population._options.get("placement_constraint"))
        graph.add_vertex(vertex)
        assert vertex.index == core.index
    seen = set()
    for edge in mapping.edges:
        pair = (edge.pre_core.index, edge.post_core.index)
        if pair not in seen:
            seen.add(pair)
            graph.add_edge(graph.vertices[pair[0]], graph.vertices[pair[1]],
                           edge.projection.label)
    for core in mapping.delay_cores:
        source = core.extra["source"]
        graph.add_edge(graph.vertices[source.index], graph.vertices[core.index], "delay")
    return graph


def _core_sdram(core, edges, profile):
    """SDRAM of one core; `edges`: the edges into it."""
    population = core.population
    kind = core.kind
    if kind == "delay":
        return resources.delay_core_bytes(core.n_atoms, core.extra["n_stages"])
    recording = _recording_bytes(population, core.n_atoms, profile)
    if kind == "neuron":
        per_neuron = sum(c.dtype().itemsize for c in population.celltype.components)
        rows = sum(e.pre_core.n_keys for e in edges)
        synapses = sum(e.n_connections for e in edges)
        plastic = [e for e in edges if e.plastic]
        return resources.neuron_core_bytes(
            core.n_atoms, per_neuron, rows, synapses, len(edges), recording,
            n_plastic_rows=sum(e.pre_core.n_keys for e in plastic),
            n_plastic_synapses=sum(e.n_connections for e in plastic))
    if kind == "spike_array":
        ticks, _ = population._spike_array_events(core.lo, core.hi, 1.0, profile)
        return resources.spike_array_core_bytes(len(ticks), recording)
    return resources.poisson_core_bytes(core.n_atoms, recording)


def _place_and_route(mapping, machine, profile):
    graph = mapping.graph
    if machine is None:
        machine = machine_for(chips_needed(graph, profile), profile)
    mapping.machine = machine
    mapping.placements = place(graph, machine, profile)
    mapping.keys = allocate_keys(graph, profile)
    mapping.routing_tables = routing_tables(graph, mapping.placements, machine, mapping.keys,
                                            profile)
