"""Would each core keep up in real time on the machine? An estimate from the simulated run.

A SpiNNaker core is an ARM968 at 200 MHz: in one tick of ``dt x time_scale_factor`` ms it
has ``200,000 x dt x time_scale_factor`` cycles for everything -- updating its neurons,
receiving spikes, walking synaptic rows, sending spikes.  If a tick's work needs more, the
core falls behind, spikes arrive late or are dropped, and the hardware run differs from
this simulation.  The kernel counts, per core, the work of the busiest tick; this module turns
it into cycles with a simple cost model and flags the cores that would overrun.

The cost model (``COSTS``) is deliberately simple and documented in docs/mapping.md ("Per-core
load"): its figures follow the sPyNNaker design target of 10,000 synaptic events per
millisecond per core, which Rhodes et al. (2018, "sPyNNaker: a software package for running
PyNN simulations on SpiNNaker", Front. Neurosci. 12:816) report is reached within a factor
of two; we take the slower end.  It is an estimate, not a measurement of the hardware.
"""
import math
import warnings
from dataclasses import dataclass

#: ARM968 clock of a SpiNNaker-1 core
CLOCK_HZ = 200e6
#: estimated cycles per unit of work
COSTS = {
    "neuron_updates": 100,      # one neuron's state update (LIF-like models)
    "spikes_in": 300,           # a packet: interrupt, master-population-table lookup, row DMA
    "synaptic_events": 40,      # one static synapse of a row (design target 20, factor 2)
    "plastic_events": 200,      # one plastic synapse (STDP window walk and weight update)
    "spikes_out": 30,           # sending one multicast packet
}
#: fraction of the tick above which a core is reported as at risk
AT_RISK = 0.8


class LoadWarning(UserWarning):
    """A core would not finish its work within a tick on the real machine."""


@dataclass
class CoreLoad:
    label: str
    cycles: float          #: estimated cycles of the busiest tick
    budget: float          #: cycles available per tick
    busiest: dict          #: the per-tick maxima the estimate is built from

    @property
    def fraction(self):
        return self.cycles / self.budget if self.budget else math.inf

    @property
    def overruns(self):
        return self.fraction > 1.0

    def advice(self):
        factor = math.ceil(self.fraction * 10) / 10
        return (f"use fewer neurons per core (set_number_of_neurons_per_core / "
                f"neurons_per_core=) or a time_scale_factor of at least "
                f"{max(1, math.ceil(factor))} x the current one")


def tick_budget(dt_ms, time_scale_factor):
    """Cycles a core has per tick: clock x dt x time scale factor."""
    return CLOCK_HZ * (dt_ms / 1000.0) * float(time_scale_factor or 1)


def core_cycles(maxima):
    """Estimated cycles of a core's busiest tick from its per-tick maxima.

    Each maximum may come from a different tick, so this is an upper estimate.
    """
    return sum(COSTS[name] * maxima.get("max_" + name, 0) for name in COSTS)


def estimate(loaded, dt_ms, time_scale_factor):
    """CoreLoad of every neuron core of a loaded network."""
    budget = tick_budget(dt_ms, time_scale_factor)
    loads = []
    for core in loaded.mapping.cores:
        if core.kind != "neuron":
            continue
        counters = loaded.kernel.load_counters(core.index)
        loads.append(CoreLoad(label=loaded.mapping.graph.vertices[core.index].label,
                              cycles=core_cycles(counters), budget=budget,
                              busiest={k: v for k, v in counters.items() if k.startswith("max_")}))
    return loads


def warn(loads):
    """One warning per core that would overrun on the machine."""
    for load in loads:
        if load.overruns:
            warnings.warn(LoadWarning(
                f"Core {load.label} would need about {load.cycles:,.0f} cycles in its busiest "
                f"tick but a SpiNNaker core has {load.budget:,.0f} per tick "
                f"({100 * load.fraction:.0f} %): on the machine it would fall behind and drop "
                f"spikes; {load.advice()}"))


def as_records(loads):
    """JSON-able summary for provenance.json and the command line."""
    return {load.label: {"cycles": round(load.cycles), "budget": round(load.budget),
                         "fraction": round(load.fraction, 3), "overruns": load.overruns,
                         **load.busiest}
            for load in loads}
