"""The mapped network loaded into the C kernel, and the runs on it.

This is our equivalent of the toolchain's load / run / extract steps: every core of the
:class:`~pynn_spinn_virtual.mapping.Mapping` becomes a loaded core (:mod:`.loaded_cores`)
whose arrays the kernel mutates in place; recording buffers are handed to the kernel for each
stretch of ticks and their contents handed on to the populations' recorders; ring-buffer
saturations are reported as provenance after each run.
"""
import logging
import math
import os

import numpy as np

from . import _kernel, progress
from .loaded_cores import LoadedNeuronCore, load_core

logger = logging.getLogger("pynn_spinn_virtual")

#: at most this many bytes of recording buffers are handed to the kernel at once; longer
#: runs are split into stretches (the results do not depend on it)
RECORDING_BUDGET_BYTES = 256 * 1024 * 1024


def neuron_lanes_wanted():
    """Whether neuron cores may be updated 8 at a time (the kernel's vectorised update).

    The results are the same bits either way; ``PYNN_SPINN_VIRTUAL_NEURON_LANES=0`` forces
    the scalar update (to compare the two, or on a processor where it misbehaves).
    """
    return os.environ.get("PYNN_SPINN_VIRTUAL_NEURON_LANES", "1").strip() != "0"


class LoadedNetwork:
    """Kernel cores built from a mapping, plus the numpy arrays they run on."""

    def __init__(self, mapping, dt_ms, profile, n_threads=0, current_sources=()):
        self.mapping = mapping
        self.dt_ms = dt_ms
        self.profile = profile
        self.n_threads = n_threads
        packed = {}     # population -> its neurons' component structs, packed once
        self.cores = [load_core(core, dt_ms, profile, current_sources, packed)
                      for core in mapping.cores]
        # plastic rows: the weights the kernel updates and the per-row pre-synaptic state
        self.plastic = {i: (edge.weights.copy(),
                            np.zeros(len(edge.row_offsets) - 1, dtype=_kernel.stdp_row_state_dtype()))
                        for i, edge in enumerate(mapping.edges) if edge.plastic}
        self._first_run = True
        #: pauses made to extract recorded data (the toolchain's auto pause and resume)
        self.auto_pauses = 0
        self._reported_saturations = {}
        self._saturation_base = {}
        self._build_kernel()

    def _build_kernel(self):
        self.kernel = _kernel.Network(self.n_threads)
        self.kernel.neuron_lanes = neuron_lanes_wanted()
        for loaded in self.cores:
            core_id = loaded.add_to(self.kernel)
            assert core_id == loaded.core.index, (core_id, loaded.core.index)
        for i, edge in enumerate(self.mapping.edges):
            if edge.plastic:
                weights, row_state = self.plastic[i]
                self.kernel.add_plastic_incoming(edge.post_core.index, edge.pre_core.index,
                                                 edge.row_offsets, edge.controls, weights,
                                                 row_state)
            else:
                self.kernel.add_incoming(edge.post_core.index, edge.pre_core.index,
                                         edge.row_offsets, edge.words)

    def _rebuild_kernel(self):
        """A new kernel network over the same arrays (e.g. new spike times): no state is lost."""
        for loaded in self.cores:
            index = loaded.core.index
            self._saturation_base[index] = (self.kernel.saturations(index)
                                            + self._saturation_base.get(index, 0))
        self._build_kernel()

    # -- state -------------------------------------------------------------------------
    def _neuron_cores(self, population=None):
        return [c for c in self.cores if isinstance(c, LoadedNeuronCore)
                and (population is None or c.population is population)]

    def reset_state(self):
        """Initial values back into every core; empty ring buffers; a fresh load."""
        for loaded in self.cores:
            loaded.reset()
        for i, (weights, row_state) in self.plastic.items():
            weights[:] = self.mapping.edges[i].weights
            row_state[:] = 0
        self.kernel.reset_saturations()
        self.kernel.reset_load_counters()
        self._reported_saturations = {}
        self._saturation_base = {}
        self._first_run = True

    def update_parameters(self, population):
        """Population.set() between runs: rewrite the parameters of its cores."""
        rebuild = False
        for loaded in self.cores:
            if loaded.population is population:
                rebuild |= loaded.update_parameters(self.kernel) == "rebuild"
        if rebuild:
            self._rebuild_kernel()

    def update_current_source(self, source):
        """A current source's set_parameters() between runs (new step arrays: a new kernel
        network over the same state arrays)."""
        rebuild = False
        for loaded in self._neuron_cores():
            rebuild |= loaded.update_current_source(source) == "rebuild"
        if rebuild:
            self._rebuild_kernel()

    def plastic_weights(self, projection):
        """(connection ids, current 16-bit weights, weight scale) of a plastic projection."""
        for i, (weights, _) in self.plastic.items():
            edge = self.mapping.edges[i]
            if edge.projection is projection:
                scale = edge.post_core.extra["weight_scales"][edge.synapse_type]
                yield edge.connection_ids, weights, scale     # ids in row order

    def set_state(self, population, variable, values):
        """Overwrite the current value of a state variable (Population.initialize after a run)."""
        values = np.broadcast_to(np.asarray(values, dtype=float), (population.size,))
        for loaded in self._neuron_cores(population):
            loaded.set_state(variable, values[loaded.core.lo:loaded.core.hi])

    def read_state(self, population, variable):
        """Current value (float) of a state variable for every neuron of a population."""
        values = np.empty(population.size)
        for loaded in self._neuron_cores(population):
            values[loaded.core.lo:loaded.core.hi] = loaded.read_state(variable)
        return values

    # -- running -----------------------------------------------------------------------
    def run(self, start_tick, n_ticks):
        """Run ticks start_tick .. start_tick + n_ticks - 1, recording as the recorders ask."""
        for loaded in self.cores:
            loaded.before_run(self.kernel, self._first_run)
        self._first_run = False
        plans = [self._recording_plan(loaded) for loaded in self.cores]
        bytes_per_tick = sum(p["bytes_per_tick"] for p in plans if p)
        stretch = n_ticks
        if bytes_per_tick:
            # auto pause and resume: the recording buffers of a core hold
            # profile.recording_buffer_ticks timesteps (and the host keeps at most
            # RECORDING_BUDGET_BYTES at once); the data is extracted after every stretch
            stretch = max(1, min(n_ticks, RECORDING_BUDGET_BYTES // bytes_per_tick,
                                 self.profile.recording_buffer_ticks))
            n_stretches = -(-n_ticks // stretch) if n_ticks else 0
            self.auto_pauses += max(0, n_stretches - 1)
            if n_stretches > 1:
                logger.info("The recording buffers hold %d timesteps: the run of %d timesteps "
                            "is done in %d stretches, the data extracted after each (auto "
                            "pause and resume)", stretch, n_ticks, n_stretches)
        bar = None
        if progress.enabled():
            bar = progress.ProgressBar(n_ticks)
            stretch = min(stretch, max(100, n_ticks // 100))
        tick = start_tick
        end = start_tick + n_ticks
        while tick < end:
            n = min(stretch, end - tick)
            buffers = self._attach_recording(plans, tick, n)
            try:
                self.kernel.run(tick, n)
            finally:
                self.kernel.clear_recording()
            self._extract_recording(plans, buffers, tick)
            tick += n
            if bar is not None:
                bar.update(tick - start_tick)
        if bar is not None:
            bar.close()
        self._report_saturations()

    def _recording_plan(self, loaded):
        core = loaded.core
        if core.kind == "delay":
            return None
        recorder = core.population.recorder
        plan = {"bytes_per_tick": 0, "spikes": False, "analog": []}
        if recorder.is_recording("spikes"):
            plan["spikes"] = True
            plan["bytes_per_tick"] += loaded.spike_bytes_per_tick()
        if isinstance(loaded, LoadedNeuronCore):
            recordables = _kernel.model_recordables(core.population.celltype.c_model)
            for variable, interval in recorder.analog_variables():
                ids = recorder.recorded_indices(variable)
                local = ids[(ids >= core.lo) & (ids < core.hi)] - core.lo
                if len(local):
                    plan["analog"].append((variable, recordables.index(variable), local, interval))
                    plan["bytes_per_tick"] += 4 * len(local) / interval
        plan["bytes_per_tick"] = int(math.ceil(plan["bytes_per_tick"]))
        return plan if (plan["spikes"] or plan["analog"]) else None

    def _attach_recording(self, plans, tick, n):
        buffers = {}
        for loaded, plan in zip(self.cores, plans):
            if plan is None:
                continue
            core = loaded.core
            spikes = loaded.spike_buffer(n) if plan["spikes"] else None
            analog = []
            for variable, slot, local, interval in plan["analog"]:
                first = -(-tick // interval) * interval
                n_samples = max(0, -(-(tick + n - first) // interval))
                columns = np.full(core.n_atoms, -1, dtype=np.int32)
                columns[local] = np.arange(len(local), dtype=np.int32)
                buffer = np.zeros((n_samples, len(local)), dtype=np.int32)
                analog.append((slot, columns, interval, first, buffer))
            self.kernel.set_recording(core.index, spikes=spikes, spikes_first_tick=tick,
                                      analog=analog)
            buffers[core.index] = (spikes, analog)
        return buffers

    def _extract_recording(self, plans, buffers, tick):
        for loaded, plan in zip(self.cores, plans):
            if plan is None:
                continue
            core = loaded.core
            recorder = core.population.recorder
            spikes, analog = buffers[core.index]
            if spikes is not None:
                recorder.store_spikes(*loaded.spike_events(spikes, tick))
            for (variable, _, local, interval), (_, _, _, first, buffer) in zip(plan["analog"], analog):
                if buffer.shape[0]:
                    ticks = first + interval * np.arange(buffer.shape[0])
                    recorder.store_samples(variable, ticks, local + core.lo, buffer)

    def _report_saturations(self):
        """Warn about new saturations, as the toolchain's provenance does after a run."""
        messages = {
            "neuron": "The weights from the synapses for %s saturated %d times. If this causes "
                      "issues you can increase spikes_per_second and/or ring_buffer_sigma "
                      "(spynnaker.cfg [Simulation]) or lower the largest weights.",
            "delay": "The delay extension %s dropped %d packets because a counter of 255 "
                     "spikes per neuron and tick was full.",
        }
        for loaded in self.cores:
            core = loaded.core
            if core.kind not in messages:
                continue
            count = self.kernel.saturations(core.index) + self._saturation_base.get(core.index, 0)
            new = count - self._reported_saturations.get(core.index, 0)
            if new > 0:
                logger.warning(messages[core.kind], self.mapping.graph.vertices[core.index].label,
                               new)
                if core.kind == "neuron":
                    core.population._provenance["ring_buffer_saturations"] = count
            self._reported_saturations[core.index] = count

    def all_saturations(self, kind):
        """{core label: saturation count} of every core of `kind` that saturated."""
        counts = {}
        for loaded in self.cores:
            if loaded.core.kind == kind:
                index = loaded.core.index
                count = self.kernel.saturations(index) + self._saturation_base.get(index, 0)
                if count:
                    counts[self.mapping.graph.vertices[index].label] = count
        return counts

    def saturations(self, population):
        return {loaded.core.label: self.kernel.saturations(loaded.core.index)
                + self._saturation_base.get(loaded.core.index, 0)
                for loaded in self._neuron_cores(population)}
