"""What ``pynn-spinn-virtual run`` / ``check`` report about a simulation, as plain JSON data.

Computed in the job's child process from the simulator state (the mapping, the runs checked
in map-only mode, the provenance) and printed by the parent (:mod:`pynn_spinn_virtual.cli`).
"""
import math
from collections import Counter

import numpy as np

from . import machine as machines
from .exceptions import MappingError
from .mapping import resources

#: core kinds, grouped as the summary counts them
SOURCE_KINDS = ("poisson", "spike_array")

MACHINE_PRESETS = {"hbp": machines.hbp_machine, "spinn5": machines.spinn5,
                   "spinn-5": machines.spinn5, "spinn3": machines.spinn3,
                   "spinn-3": machines.spinn3}


def machine_named(name, profile):
    """The machine of ``--machine``: a preset name or a number of SpiNN-5 boards."""
    name = str(name).strip().lower()
    if name in MACHINE_PRESETS:
        return MACHINE_PRESETS[name](profile)
    return machines.multi_board(int(name), profile)


def simulation_summary(package, mode, final=False):
    """A summary of the current simulation (None if nothing was built)."""
    state = package.simulator.state
    checked = list(getattr(state, "checked_runs", []) or [])
    if not state.populations and not checked:
        return None
    summary = {
        "timestep_ms": state.dt,
        "time_scale_factor": state.time_scale_factor,
        "toolchain": state.profile.name,
        "n_populations": len(state.populations),
        "n_projections": len(state.projections),
        "machine_choice": getattr(state, "machine_choice", None) or (
            "sized to the model" if state.machine is None else "chosen by the script"),
    }
    mappings = []
    if mode == "check":
        ticks = [int(run["ticks"]) for run in checked]
        for run in checked:
            if all(m is not run["mapping"] for m in mappings):
                mappings.append(run["mapping"])
        if not mappings and state.mapping is not None:
            mappings.append(state.mapping)
        if final and not mappings and state.populations:
            # the script never ran: map now, to answer "does it fit?"
            try:
                mappings.append(state.ensure_mapped())
            except MappingError as error:
                summary["mapping_error"] = {"type": type(error).__name__,
                                            "message": str(error)}
        summary["runs_ticks"] = ticks
        simulated_ms = sum(ticks) * state.dt
        summary["simulated_ms"] = simulated_ms
        summary["hardware_ms"] = simulated_ms * state.time_scale_factor
    else:
        if state.mapping is not None:
            mappings.append(state.mapping)
        summary["simulated_ms"] = state.t
        try:
            summary["provenance"] = _plain(state.provenance())
        except Exception as error:      # provenance is a bonus, never a failure
            summary["provenance_error"] = f"{type(error).__name__}: {error}"
    summary["mappings"] = [mapping_summary(m, state) for m in mappings]
    return summary


def mapping_summary(mapping, state):
    """Cores, chips, boards, SDRAM and the reasons for each population's slicing."""
    graph, placements, machine = mapping.graph, mapping.placements, mapping.machine
    kinds = Counter(v.kind for v in graph.vertices)
    chips = placements.chips
    boards = sorted({int(machine.board_of[x, y]) for x, y in chips})
    sdram = [int(placements.sdram_on_chip(x, y)) for x, y in chips]
    fullest = chips[int(np.argmax(sdram))] if sdram else None
    return {
        "machine": machine.description(),
        "machine_name": machine.name,
        "machine_boards": machine.n_boards,
        "machine_chips": machine.n_chips,
        "cores": {"total": len(graph.vertices), "neuron": kinds.get("neuron", 0),
                  "source": sum(kinds.get(k, 0) for k in SOURCE_KINDS),
                  "delay": kinds.get("delay", 0)},
        "chips_used": len(chips),
        "boards_used": len(boards),
        "sdram_per_chip": {
            "max_bytes": max(sdram) if sdram else 0,
            "mean_bytes": float(np.mean(sdram)) if sdram else 0.0,
            "fullest_chip": list(fullest) if fullest else None,
            "chip_bytes": int(machine.sdram_at(*fullest)) if fullest else int(
                machine.sdram_per_chip),
        },
        "populations": [_population_summary(population, slices, mapping, state)
                        for population, slices in mapping.population_cores.items()],
    }


def _model_maximum(population, profile):
    kind = population.celltype.core_kind
    if kind == "neuron":
        return profile.max_neurons_per_core
    if kind == "poisson":
        return profile.max_poisson_per_core
    return profile.max_spike_array_per_core


def _population_summary(population, slices, mapping, state):
    profile = state.profile
    model = type(population.celltype).__name__
    per_core = max(core.n_atoms for core in slices)
    model_max = _model_maximum(population, profile)
    limit = population._max_atoms_per_core(profile)
    own = population._options.get("neurons_per_core")
    global_limit = state.neurons_per_core.get(type(population.celltype))
    unlimited = model_max >= 2 ** 31 - 1
    fan_in = _fan_in(population, mapping)
    if per_core < min(limit, population.size):
        reason = (f"lowered from {limit} for SDRAM: the incoming synaptic matrix (up to "
                  f"{fan_in['max_synapses_per_neuron']} synapses per neuron from "
                  f"{fan_in['source_rows']} source rows) of {limit} neurons would not fit a "
                  f"core's share of a chip's SDRAM "
                  f"({resources.core_budget(profile)} bytes)")
        why = "sdram"
    elif per_core == population.size and population.size < limit:
        reason = "the whole population fits on one core (maximum " + (
            "unlimited" if limit >= 2 ** 31 - 1 else str(limit)) + " per core)"
        why = "whole"
    elif limit < model_max:
        source = ("Population(..., neurons_per_core=)" if own is not None and int(own) == limit
                  else "set_number_of_neurons_per_core()" if global_limit is not None
                  else "a user limit")
        reason = f"the user's limit of {limit} per core ({source})"
        why = "user"
    else:
        reason = f"the model maximum ({model_max} per core for {model})"
        why = "model"
    result = {
        "label": population.label, "model": model, "size": int(population.size),
        "cores": len(slices), "per_core": int(per_core),
        "model_maximum": None if unlimited else int(model_max), "limit": int(limit),
        "why": why, "reason": reason, "fan_in": fan_in,
    }
    delay_cores = [c for c in mapping.delay_cores if c.population is population]
    if delay_cores:
        stages = max(int(c.extra["n_stages"]) for c in delay_cores)
        max_delay = max((e.max_delay_ticks for e in mapping.edges
                         if e.pre_core.population is population), default=0)
        result["delay_extension"] = {
            "cores": len(delay_cores), "stages": stages,
            "stage_ticks": int(profile.delay_slots),
            "max_delay_ticks": max_delay, "on_core_slots": int(profile.delay_slots),
            "max_supported_ticks": int(profile.max_delay_ticks),
        }
    return result


def _fan_in(population, mapping):
    """Synapses per neuron and source rows arriving at the population's cores."""
    edges = [e for e in mapping.edges if e.post_core.population is population]
    if not edges:
        return {"max_synapses_per_neuron": 0, "source_rows": 0}
    counts = np.concatenate([core.extra.get("synapses_per_neuron", np.zeros(1, dtype=int))
                             for core in mapping.population_cores[population]])
    rows_by_core = Counter()
    seen = set()
    for e in edges:
        key = (e.pre_core.index, e.post_core.index)
        if key not in seen:
            seen.add(key)
            n = e.pre_core.n_atoms
            if e.pre_core.kind == "delay":
                n *= int(e.pre_core.extra.get("n_stages", 1))
            rows_by_core[e.post_core.index] += n
    return {"max_synapses_per_neuron": int(counts.max()),
            "source_rows": int(max(rows_by_core.values()))}


def _plain(value):
    """numpy scalars and containers -> JSON types."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
