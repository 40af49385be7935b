"""The mapped network loaded into the C kernel, and the runs on it.

This is our equivalent of the toolchain's load / run / extract steps: every core of the
:class:`~pynn_spinn_virtual.mapping.Mapping` becomes a kernel core whose parameter, state
and ring-buffer arrays are owned here (the kernel mutates them in place), recording buffers
are handed to the kernel for each stretch of ticks and their contents handed on to the
populations' recorders, and ring-buffer saturations are reported as provenance.
"""
import logging
import math

import numpy as np

from . import _kernel
from .exceptions import ParameterError

logger = logging.getLogger("pynn_spinn_virtual")

#: at most this many bytes of recording buffers are handed to the kernel at once; longer
#: runs are split into stretches (the results do not depend on it)
RECORDING_BUDGET_BYTES = 256 * 1024 * 1024


class LoadedNetwork:
    """Kernel cores built from a mapping, plus the numpy arrays they run on."""

    def __init__(self, mapping, dt_ms, profile, n_threads=0):
        self.mapping = mapping
        self.dt_ms = dt_ms
        self.profile = profile
        self.n_threads = n_threads
        self.components = {}   # core index -> {kind: struct array or None}
        self.rings = {}        # core index -> uint16 array
        self._reported_saturations = {}
        self._saturation_base = {}
        self._build_kernel()

    def _build_kernel(self):
        self.kernel = _kernel.Network(self.n_threads)
        for core in self.mapping.cores:
            self._load_core(core)
        for edge in self.mapping.edges:
            self.kernel.add_incoming(edge.post_core.index, edge.pre_core.index,
                                     edge.row_offsets, edge.words)

    def reload_sources(self):
        """Rebuild the kernel after spike-source parameters changed, keeping all neuron state."""
        self._saturation_base = {i: self.kernel.saturations(i) + self._saturation_base.get(i, 0)
                                 for i in self.components}
        self._build_kernel()

    # -- loading -----------------------------------------------------------------------
    def _load_core(self, core):
        population = core.population
        celltype = population.celltype
        if celltype.core_kind == "neuron" and core.index in self.components:
            extra = core.extra   # reload: the same state arrays, so nothing is lost
            core_id = self.kernel.add_neuron_core(
                celltype.c_model, core.n_atoms, celltype.n_synapse_types, extra["index_bits"],
                extra["type_bits"], extra["delay_bits"], extra["shifts"],
                self.components[core.index], self.rings[core.index])
        elif celltype.core_kind == "neuron":
            params = population._native_slice(core.lo, core.hi)
            initial = population._initial_slice(core.lo, core.hi)
            try:
                packed = celltype.pack_components(core.n_atoms, params, initial,
                                                  self.dt_ms, self.profile)
            except ValueError as err:
                raise ParameterError(f"Population '{population.label}' ({core.label}): {err}") from err
            extra = core.extra
            ring = np.zeros((1 << extra["delay_bits"]) << (extra["type_bits"] + extra["index_bits"]),
                            dtype=np.uint16)
            core_id = self.kernel.add_neuron_core(
                celltype.c_model, core.n_atoms, celltype.n_synapse_types, extra["index_bits"],
                extra["type_bits"], extra["delay_bits"], extra["shifts"], packed, ring)
            self.components[core.index] = packed
            self.rings[core.index] = ring
        elif celltype.core_kind == "spike_array":
            ticks, indices = population._spike_array_events(core.lo, core.hi, self.dt_ms, self.profile)
            core_id = self.kernel.add_spike_array_core(core.n_atoms, ticks, indices)
        else:  # pragma: no cover - every cell type declares a known core kind
            raise NotImplementedError(f"no kernel core for {celltype.core_kind!r}")
        assert core_id == core.index, (core_id, core.index)

    # -- state -------------------------------------------------------------------------
    def neuron_cores(self, population):
        return [c for c in self.mapping.cores_of(population) if c.index in self.components]

    def reset_state(self):
        """Initial values back into every neuron's state; empty ring buffers."""
        for core in self.mapping.cores:
            if core.index not in self.components:
                continue
            initial = core.population._initial_slice(core.lo, core.hi)
            for component in core.population.celltype.components:
                array = self.components[core.index][component.kind]
                if array is not None:
                    component.reset_state(array, initial)
            self.rings[core.index][:] = 0
        self.kernel.reset_saturations()
        self._reported_saturations = {}
        self._saturation_base = {}

    def update_parameters(self, population):
        """Rewrite the parameter words of a population after Population.set()."""
        if population.celltype.core_kind != "neuron":
            self.reload_sources()
            return
        for core in self.neuron_cores(population):
            params = population._native_slice(core.lo, core.hi)
            for component in population.celltype.components:
                array = self.components[core.index][component.kind]
                if array is not None:
                    try:
                        component.update_parameters(array, params, self.dt_ms, self.profile)
                    except ValueError as err:
                        raise ParameterError(f"Population '{population.label}': {err}") from err

    def set_state(self, population, variable, values):
        """Overwrite the current value of a state variable (Population.initialize after a run)."""
        values = np.broadcast_to(np.asarray(values, dtype=float), (population.size,))
        for core in self.neuron_cores(population):
            for component in population.celltype.components:
                if variable in component.state_fields:
                    try:
                        component.write_state_variable(
                            self.components[core.index][component.kind], variable,
                            values[core.lo:core.hi])
                    except ValueError as err:   # e.g. out of the s16.15 range
                        raise ParameterError(
                            f"Population '{population.label}': {variable}: {err}") from err

    def read_state(self, population, variable):
        """Current value (float) of a state variable for every neuron of a population."""
        values = np.empty(population.size)
        for core in self.neuron_cores(population):
            for component in population.celltype.components:
                if variable in component.state_fields:
                    values[core.lo:core.hi] = component.read_state(
                        self.components[core.index][component.kind], variable)
        return values

    # -- running -----------------------------------------------------------------------
    def run(self, start_tick, n_ticks):
        """Run ticks start_tick .. start_tick + n_ticks - 1, recording as the recorders ask."""
        plans = [self._recording_plan(core) for core in self.mapping.cores]
        bytes_per_tick = sum(p["bytes_per_tick"] for p in plans if p)
        stretch = n_ticks
        if bytes_per_tick:
            stretch = max(1, min(n_ticks, RECORDING_BUDGET_BYTES // bytes_per_tick))
        tick = start_tick
        end = start_tick + n_ticks
        while tick < end:
            n = min(stretch, end - tick)
            buffers = self._attach_recording(plans, tick, n)
            try:
                self.kernel.run(tick, n)
            finally:
                self.kernel.clear_recording()
            self._extract_recording(plans, buffers, tick, n)
            tick += n
        self._report_saturations()

    def _recording_plan(self, core):
        recorder = core.population.recorder
        plan = {"bytes_per_tick": 0, "spikes": False, "analog": []}
        if recorder.is_recording("spikes"):
            plan["spikes"] = True
            plan["bytes_per_tick"] += 4 * ((core.n_atoms + 31) // 32)
        if core.index in self.components:
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
        for core, plan in zip(self.mapping.cores, plans):
            if plan is None:
                continue
            spikes = None
            if plan["spikes"]:
                spikes = np.zeros((n, (core.n_atoms + 31) // 32), dtype=np.uint32)
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

    def _extract_recording(self, plans, buffers, tick, n):
        for core, plan in zip(self.mapping.cores, plans):
            if plan is None:
                continue
            recorder = core.population.recorder
            spikes, analog = buffers[core.index]
            if spikes is not None:
                bits = np.unpackbits(spikes.view(np.uint8).reshape(n, -1), axis=1,
                                     bitorder="little")[:, :core.n_atoms]
                rows, atoms = np.nonzero(bits)
                recorder.store_spikes(rows + tick, atoms + core.lo)
            for (variable, _, local, interval), (_, _, _, first, buffer) in zip(plan["analog"], analog):
                if buffer.shape[0]:
                    ticks = first + interval * np.arange(buffer.shape[0])
                    recorder.store_samples(variable, ticks, local + core.lo, buffer)

    def _report_saturations(self):
        for core in self.mapping.cores:
            if core.index not in self.components:
                continue
            count = self.kernel.saturations(core.index) + self._saturation_base.get(core.index, 0)
            new = count - self._reported_saturations.get(core.index, 0)
            if new > 0:
                logger.warning(
                    "The weights from the synapses for %s saturated %d times. If this causes "
                    "issues you can increase spikes_per_second and/or ring_buffer_sigma "
                    "(spynnaker.cfg [Simulation]) or lower the largest weights.", core.label, new)
                core.population._provenance["ring_buffer_saturations"] = count
            self._reported_saturations[core.index] = count

    def saturations(self, population):
        return {core.label: self.kernel.saturations(core.index)
                + self._saturation_base.get(core.index, 0)
                for core in self.neuron_cores(population)}
