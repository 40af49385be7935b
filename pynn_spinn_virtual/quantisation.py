"""What the 16-bit machine weights do to the weights a user asked for.

SpiNNaker stores every weight as a 16-bit integer, scaled per population and receptor by
the ring-buffer left shift; the smallest representable weight therefore depends on the
largest expected summed input.  Weights can be rounded, and small ones can vanish -- the
toolchain never says so.  After each mapping we summarise, per projection, how the machine
weights differ from the requested ones, warn about projections whose weights were rounded to
zero or changed by more than 1 %, and write the table (with the shifts chosen per population
and receptor) to ``weight_quantisation.rpt`` in the run's report folder.
"""
import os
import warnings
from dataclasses import dataclass

import numpy as np

from . import _fixed, fixedpoint

#: relative change above which a projection is reported
TOLERANCE = 0.01


@dataclass
class ProjectionQuantisation:
    label: str
    n_connections: int
    n_zeroed: int              #: non-zero weights stored as 0
    max_relative_change: float
    smallest_weight: float     #: smallest non-zero |weight| requested
    resolution: float          #: one machine weight unit, for the projection's receptor
    #: delays the machine holds differently from the whole timesteps the host asked for
    #: (the on-chip expander's s16.15 delay conversion loses a tick, e.g. 2.8 ms at 0.1 ms)
    n_delays_changed: int = 0
    delay_example: tuple = None    #: (requested ms, machine ms) of one changed delay

    @property
    def worrying(self):
        return self.n_zeroed > 0 or self.max_relative_change > TOLERANCE


@dataclass
class GroupChanges:
    """What the machine changed in one group of a projection's connections (collected by
    the mapper while it encodes them)."""
    n_connections: int
    n_zeroed: int
    max_relative_change: float
    smallest_weight: float         #: smallest non-zero |weight| requested (inf: none)
    n_delays_changed: int = 0
    first_delay_changed: int = None  #: position in the group of the first changed delay
    first_delay_ticks: int = None    #: the machine's delay (ticks) of that connection
    first_delay_requested: float = None  #: its requested delay (ms)


def delay_changes(asked_ticks, machine_ticks, requested_delays):
    """(number changed, first position, its machine ticks, its requested delay in ms): the
    whole-timestep delays asked for against the machine's (the expander may lose a tick)."""
    changed = np.flatnonzero(machine_ticks != asked_ticks)
    if not len(changed):
        return (0, None, None, None)
    first = int(changed[0])
    return (len(changed), first, int(machine_ticks[first]), float(requested_delays[first]))


def changes(requested, machine_ints, scale, delays_changed=None):
    """Compare the requested weights with the 16-bit machine weights (``machine_ints /
    scale`` in native units: how many non-zero ones became 0, the largest relative change of
    |w|); `delays_changed`: what delay_changes() found, if the delays may have changed."""
    n = len(requested)
    machine_ints = np.asarray(machine_ints)
    compared, repeats = (requested, machine_ints), 1
    if fixedpoint.is_constant(requested) and machine_ints.min() == machine_ints.max():
        # one weight, one machine weight (host and expander may differ: both checked)
        compared, repeats = (requested[:1], machine_ints[:1]), n
    n_zeroed, largest, smallest = _fixed.compare_weights(
        np.ascontiguousarray(compared[0], dtype=np.float64),
        np.ascontiguousarray(compared[1], dtype=np.uint16), float(scale))
    n_zeroed *= repeats
    result = GroupChanges(
        n_connections=n, n_zeroed=n_zeroed,
        max_relative_change=largest, smallest_weight=smallest)
    if delays_changed is not None:
        (result.n_delays_changed, result.first_delay_changed, result.first_delay_ticks,
         result.first_delay_requested) = delays_changed
    return result


def summarise(mapping, projections, dt_ms=None):
    """One ProjectionQuantisation per projection with connections, from the changes the
    mapper collected per group of connections (the groups each projection keeps,
    `Projection._machine_groups`: `ids`, None for all the connections, and `changes`)."""
    resolution = {}
    for core in mapping.cores:
        if core.kind == "neuron" and "weight_scales" in core.extra:
            resolution[core.population] = 1.0 / core.extra["weight_scales"]
    result = []
    for projection in projections:
        parts = [(group.ids, group.changes) for group in projection._machine_groups or ()]
        if not len(projection) or not parts:
            continue
        posts = projection._post_map.populations
        unit = max(float(resolution[p][projection._synapse_type_index]) for p in posts
                   if p in resolution)
        n_delays_changed, example, first = 0, None, None
        for ids, part in parts:
            n_delays_changed += part.n_delays_changed
            if part.first_delay_changed is not None:
                i = part.first_delay_changed if ids is None else int(ids[part.first_delay_changed])
                if first is None or i < first[0]:
                    first = (i, part.first_delay_ticks, part.first_delay_requested)
        if first is not None and dt_ms is not None:
            example = (first[2], float(first[1]) * dt_ms)
        smallest = min(part.smallest_weight for _, part in parts)
        result.append(ProjectionQuantisation(
            label=projection.label, n_connections=len(projection),
            n_zeroed=sum(part.n_zeroed for _, part in parts),
            max_relative_change=max(part.max_relative_change for _, part in parts),
            smallest_weight=0.0 if smallest == np.inf else smallest,
            resolution=unit, n_delays_changed=n_delays_changed, delay_example=example))
    return result


def warn(summaries):
    for s in summaries:
        if s.n_zeroed:
            warnings.warn(
                f"Projection '{s.label}': {s.n_zeroed} of {s.n_connections} weights are below "
                f"the machine's resolution ({s.resolution:.3g}) and are stored as 0 on "
                f"SpiNNaker (smallest requested |w| = {s.smallest_weight:g})")
        elif s.max_relative_change > TOLERANCE:
            warnings.warn(
                f"Projection '{s.label}': the 16-bit machine weights differ from the requested "
                f"ones by up to {100 * s.max_relative_change:.1f} % (resolution "
                f"{s.resolution:.3g})")
        if s.n_delays_changed:
            asked, held = s.delay_example
            warnings.warn(
                f"Projection '{s.label}': {s.n_delays_changed} of {s.n_connections} delays "
                f"differ from the requested whole timesteps on SpiNNaker (e.g. {asked:g} ms "
                f"is {held:g} ms): the on-chip synapse expander converts delays in s16.15 "
                f"and truncates")


def shift_table(mapping):
    """[(population label, receptor, shift, resolution)] for every neuron population."""
    rows = []
    for population, cores in mapping.population_cores.items():
        core = cores[0]
        if core.kind != "neuron":
            continue
        receptors = population.celltype.synapse_component.receptor_types
        for receptor, shift, scale in zip(receptors, core.extra["shifts"],
                                          core.extra["weight_scales"]):
            rows.append((population.label, receptor, int(shift), 1.0 / float(scale)))
    return rows


def write_report(folder, mapping, summaries):
    path = os.path.join(folder, "weight_quantisation.rpt")
    with open(path, "w") as f:
        f.write("Weight quantisation\n===================\n\n")
        f.write("Ring-buffer left shift per population and receptor (a machine weight unit is "
                "2^shift / 2^15 nA, or uS x 1024 for conductance models)\n\n")
        f.write(f"{'population':30s} {'receptor':12s} {'shift':>5s} {'resolution':>12s}\n")
        for label, receptor, shift, unit in shift_table(mapping):
            f.write(f"{label:30s} {receptor:12s} {shift:5d} {unit:12.6g}\n")
        f.write("\nProjections\n\n")
        f.write(f"{'projection':40s} {'synapses':>9s} {'zeroed':>7s} {'max change %':>13s} "
                f"{'resolution':>11s}\n")
        for s in summaries:
            mark = "  <-- check" if s.worrying else ""
            f.write(f"{s.label[:40]:40s} {s.n_connections:9d} {s.n_zeroed:7d} "
                    f"{100 * s.max_relative_change:13.3f} {s.resolution:11.4g}{mark}\n")
    return path
