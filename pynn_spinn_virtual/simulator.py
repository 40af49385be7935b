"""Simulator state: time, toolchain profile, the network, and the loaded kernel.

Like ``pyNN.nest.simulator``, this module holds one :class:`State` object, ``state``, shared
by every Population, Projection and Recorder.  Time is kept as a whole number of ticks
(machine time steps); the PyNN time in ms is ``tick * dt``.  The network is mapped and
loaded into the C kernel lazily, at the first ``run()`` after it changed.
"""
import logging
import math
import warnings

from pyNN import common

from . import fast_connectors, load_estimate, profiles, quantisation
from .engine import LoadedNetwork
from .exceptions import NetworkChangedError, SimulatorShutdownError
from .run_reports import RunReports
from .mapping import map_network

logger = logging.getLogger("pynn_spinn_virtual")

name = "pynn_spinn_virtual"


class ID(int, common.IDMixin):
    """A neuron's global id (ids start at 0 and run across populations, as on SpiNNaker)."""

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):
    """Everything the backend knows about the current simulation."""

    def __init__(self):
        super().__init__()
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = 0.1
        self.max_delay = None
        self.profile = profiles.get_profile("6")
        self.time_scale_factor = 1
        self.n_threads = 0
        self.machine = None
        self.extra_params = {}
        #: `check` mode (set by the command line): run() maps but does not simulate
        self.map_only = False
        self.ended = False
        self.clear()

    # -- lifecycle -----------------------------------------------------------------------
    def clear(self):
        """Forget the whole network (setup() starts from here)."""
        self.populations = []
        self.projections = []
        self.recorders = set()
        self.write_on_end = []
        self.id_counter = 0
        self.segment_counter = -1
        self.neurons_per_core = {}
        self.current_sources = []
        self.labels_in_use = {}
        self.loaded = None
        self.mapping = None
        self.structure_version = 0
        self.loaded_version = -1
        self.ended = False
        self.reports = None
        self.checked_runs = []
        self.warned_overruns = set()
        self.mapped_version = -1
        #: a run has loaded the network onto the (virtual) machine since setup(): from then
        #: on Projection.get() reads the machine's values (sPyNNaker's "ran ever")
        self.ran_ever = False
        self.reset()
        self.segment_counter = 0

    def reset(self):
        """Time back to zero, state back to initial values; a new Neo segment starts."""
        self.running = False
        self.tick = 0
        self.t_start = 0
        self.segment_counter += 1
        self.has_run_in_segment = False
        if self.loaded is not None:
            self.loaded.reset_state()

    @property
    def t(self):
        return self.tick * self.dt

    # -- network bookkeeping -------------------------------------------------------------
    def check_not_ended(self, what):
        if self.ended:
            raise SimulatorShutdownError(
                f"{what} is not valid after end() has been called; call setup() to start again")

    def network_changed(self):
        """Called by Population/Projection creation: the mapping must be rebuilt."""
        self.structure_version += 1

    def unique_label(self, label, default_base):
        """Population labels as the toolchain makes them: "<model> vertex", then suffixes."""
        if label is None:
            base = default_base
            n = self.labels_in_use.get(base, 0)
            self.labels_in_use[base] = n + 1
            return base if n == 0 else f"{base}{n}"
        n = self.labels_in_use.get(label, 0)
        self.labels_in_use[label] = n + 1
        return label if n == 0 else f"{label}{n + 1}"

    # -- mapping and loading -------------------------------------------------------------
    def ensure_mapped(self):
        """Map the network (partition, shifts, rows) if it changed since the last mapping."""
        if self.mapping is None or self.mapped_version != self.structure_version:
            self.mapping = map_network(self.populations, self.projections, self.dt, self.profile,
                                       self.machine)
            self.loaded = None
            self.mapped_version = self.structure_version
            self.quantisation = quantisation.summarise(self.mapping, self.projections,
                                                     self.dt)
            quantisation.warn(self.quantisation)
            fast_connectors.forget_recent()     # values drawn again for the mapper
        return self.mapping

    def ensure_loaded(self):
        if self.loaded is not None and self.loaded_version == self.structure_version:
            return self.loaded
        if self.tick != 0:
            raise NetworkChangedError(
                "The network cannot be changed between runs without resetting: call "
                "sim.reset() before adding Populations or Projections (the data recorded so "
                "far is kept)")
        mapping = self.ensure_mapped()
        self.loaded = LoadedNetwork(mapping, self.dt, self.profile, self.n_threads,
                                    self.current_sources)
        reports = self.run_reports()
        reports.mapped(mapping)
        if reports.run_folder is not None:
            quantisation.write_report(reports.run_folder, mapping, self.quantisation)
        self.loaded_version = self.structure_version
        return self.loaded

    def run_reports(self):
        if self.reports is None:
            self.reports = RunReports(getattr(self, "config", {}), self.profile)
        return self.reports

    def provenance(self, loads=None):
        """Provenance of the runs so far: saturations per core, as a JSON-able dict
        (`loads`: core_loads(), if already at hand)."""
        loaded = self.loaded
        if loaded is None:
            return {}
        return {"ring_buffer_saturations": loaded.all_saturations(kind="neuron"),
                "delay_counter_saturations": loaded.all_saturations(kind="delay"),
                "core_load": load_estimate.as_records(
                    self.core_loads() if loads is None else loads)}

    def core_loads(self):
        """Estimated work of each neuron core's busiest tick against a SpiNNaker core's
        budget (load_estimate.py); empty before the first run."""
        if self.loaded is None:
            return []
        return load_estimate.estimate(self.loaded, self.dt, self.time_scale_factor)

    # -- running -------------------------------------------------------------------------
    def _map_without_running(self, n_ticks):
        """`check` mode: map (and so raise what the machine refuses), advance the clock, run
        nothing; like the toolchain's virtual board, recorded data stays empty."""
        if self.tick != 0 and self.mapped_version != self.structure_version:
            raise NetworkChangedError("The network cannot be changed between runs without "
                                      "resetting: call sim.reset() first")
        mapping = self.ensure_mapped()
        self.checked_runs.append({"mapping": mapping, "ticks": n_ticks})
        for recorder in self.recorders:
            recorder.start_run(self.tick)
        self.tick += n_ticks
        for recorder in self.recorders:
            recorder.end_run(self.tick)
        self.running = True
        self.has_run_in_segment = True

    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        self.check_not_ended("run()")
        if not math.isfinite(tstop):
            raise ValueError(f"run time must be a finite number of ms, not {tstop}")
        ticks = (tstop - self.t) / self.dt
        n_ticks = int(math.ceil(ticks - 1e-9))
        if n_ticks < 0:
            raise ValueError(f"Time {tstop} ms is in the past (current time {self.t} ms)")
        if abs(ticks - round(ticks)) > 1e-9:
            warnings.warn(
                f"run time {tstop - self.t} ms is not a multiple of the timestep {self.dt} ms: "
                f"{n_ticks} whole timesteps will be run (to {(self.tick + n_ticks) * self.dt} ms)")
        if self.map_only:
            self._map_without_running(n_ticks)
            return
        loaded = self.ensure_loaded()
        self.ran_ever = True
        for recorder in self.recorders:
            recorder.start_run(self.tick)
        if n_ticks > 0:
            try:
                loaded.run(self.tick, n_ticks)
            except BaseException as error:
                self.run_reports().errored(error)
                raise
            loads = self.core_loads()
            self.run_reports().provenance(self.provenance(loads))
            load_estimate.warn([load for load in loads if load.label not in self.warned_overruns])
            self.warned_overruns.update(load.label for load in loads if load.overruns)
        self.tick += n_ticks
        for recorder in self.recorders:
            recorder.end_run(self.tick)
        self.running = True
        self.has_run_in_segment = True


state = State()
