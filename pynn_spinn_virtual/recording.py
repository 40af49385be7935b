"""Recorded buffers -> Neo, in the structure of a real SpiNNaker run.

The kernel fills spike bitfields and s16.15 sample buffers; the engine hands them to each
population's :class:`Recorder`, which keeps the raw ticks and bits per Neo segment.  At
``get_data()`` time they become a Neo Block laid out exactly as sPyNNaker lays out the data
of a hardware run (``docs/neo_output.md``): segments ``segment0``, ``segment1`` ..., one
SpikeTrain per neuron annotated with ``source_population/source_id/source_index``, one
AnalogSignal per variable with one row per sampled tick (pre-update values, row 0 = initial
state, no row for the final state) annotated with ``source_population/source_ids/
channel_names``, and the block annotations ``size, first_index, last_index (a 1-tuple),
first_id, last_id (a 1-tuple), label, simulator, dt``.
"""
from collections import OrderedDict
from datetime import datetime
import logging
import warnings

import neo
import numpy as np
import quantities as pq
from pyNN import recording
from pyNN.recording import Variable

from . import simulator
from .exceptions import ConfigurationError
from .fixedpoint import S1615_SCALE

logger = logging.getLogger("pynn_spinn_virtual")

UNITS = {"v": "mV", "gsyn_exc": "uS", "gsyn_inh": "uS"}


class PopulationRecordingError(recording.errors.RecordingError):
    """PyNN's RecordingError, with the population named in the message."""

    def __init__(self, variable, population):
        super().__init__(variable, population.celltype)
        self.population_label = _root(population).label

    def __str__(self):
        return (f"Population '{self.population_label}' cannot record {self.variable!r}: "
                f"{type(self.cell_type).__name__} records "
                f"{', '.join(self.cell_type.recordable)}")


class SegmentData:
    """The raw recordings of one population in one Neo segment (one reset epoch)."""

    def __init__(self, index):
        self.index = index
        self.rec_datetime = None
        self.start_tick = 0          # data before this tick was cleared by get_data(clear=True)
        self.end_tick = 0            # ticks run in this segment so far
        self.spike_ticks = []
        self.spike_atoms = []
        self.samples = {}            # variable -> list of (ticks, atoms, int32 values)
        self.intervals = {}          # variable -> sampling interval in ticks
        self.recorded = {}           # variable -> sorted population indices recorded

    @property
    def has_data(self):
        return bool(self.spike_ticks or self.samples or self.intervals)

    def clear(self, tick):
        self.start_tick = tick
        self.spike_ticks, self.spike_atoms, self.samples = [], [], {}


class Recorder(recording.Recorder):
    """Keeps what the kernel recorded for one population and builds Neo blocks from it."""

    _simulator = simulator

    def __init__(self, population, file=None):
        super().__init__(population, file)
        self._intervals = {}          # variable name -> sampling interval (ticks)
        self._segments = []           # finished segments (SegmentData)
        self._current = SegmentData(simulator.state.segment_counter)

    # -- what to record (called by Population.record) ------------------------------------
    def record(self, variables, ids, sampling_interval=None, locations=None):
        """Check everything first, so that a refused record() call changes nothing.

        PyNN adds each variable to the recorded set before its per-variable hook runs, so a
        bad sampling_interval (or a bad name after a good one) used to leave the variables
        recorded at the default interval.
        """
        self._interval_ticks(sampling_interval)
        names = [variables] if isinstance(variables, str) else list(variables)
        for name in names:
            if not self.population.can_record(name):
                raise PopulationRecordingError(name, self.population)
        super().record(variables, ids, sampling_interval, locations)

    def _interval_ticks(self, sampling_interval):
        if sampling_interval is None:
            return None
        dt = self._simulator.state.dt
        ratio = sampling_interval / dt
        interval = int(round(ratio))
        if interval < 1 or abs(ratio - interval) > 1e-9:
            raise ConfigurationError(
                f"Population '{_root(self.population).label}': sampling_interval "
                f"{sampling_interval} is not an an integer multiple of the simulation "
                f"timestep {dt}")
        return interval

    def _record(self, variable, new_ids, sampling_interval=None):
        interval = 1
        if sampling_interval is not None:
            interval = self._interval_ticks(sampling_interval)
            self.sampling_interval = sampling_interval
        elif variable.name in self._intervals:
            interval = self._intervals[variable.name]
        if (variable.name.startswith("gsyn")
                and not self.population.celltype.conductance_based):
            warnings.warn(f"Population '{self.population.label}' is current based: recording "
                          f"{variable.name} returns the synaptic current in nA (labelled uS, "
                          f"as on SpiNNaker)")
        self._intervals[variable.name] = interval

    def _reset(self):
        self._intervals = {}

    def _clear_simulator(self):
        pass

    # -- interface to the engine ---------------------------------------------------------
    def is_recording(self, name):
        # .get, not [...]: indexing the defaultdict would add an empty entry, which PyNN's
        # sampling-interval check then counts as a recorded variable
        return len(self.recorded.get(Variable(name, location=None, label=None), ())) > 0

    def analog_variables(self):
        """(variable name, sampling interval in ticks) for every recorded analog variable."""
        return [(v.name, self._intervals.get(v.name, 1)) for v, ids in self.recorded.items()
                if v.name != "spikes" and ids]

    def recorded_indices(self, name):
        ids = self.recorded.get(Variable(name, location=None, label=None), ())
        first = int(self.population.first_id)
        return np.array(sorted(int(i) - first for i in ids), dtype=np.int64)

    def start_run(self, tick):
        """Remember what this run records, so that record(None) later keeps the data readable."""
        seg = self._current
        if seg.rec_datetime is None:
            seg.rec_datetime = datetime.now()
        for v, ids in self.recorded.items():
            if ids:
                seg.intervals[v.name] = self._intervals.get(v.name, 1)
                before = seg.recorded.get(v.name, np.zeros(0, dtype=np.int64))
                seg.recorded[v.name] = np.union1d(before, self.recorded_indices(v.name))

    def store_spikes(self, ticks, atoms):
        if len(ticks):
            self._current.spike_ticks.append(np.asarray(ticks, dtype=np.int64))
            self._current.spike_atoms.append(np.asarray(atoms, dtype=np.int64))

    def store_samples(self, name, ticks, atoms, values):
        self._current.samples.setdefault(name, []).append(
            (np.asarray(ticks, dtype=np.int64), np.asarray(atoms, dtype=np.int64), values))

    def end_run(self, tick):
        self._current.end_tick = tick

    # -- segments ------------------------------------------------------------------------
    def store_to_cache(self, annotations=None):
        """Called by reset(): the current segment is finished; a new one starts."""
        if self._simulator.state.has_run_in_segment:
            self._current.annotations = annotations or {}
            self._segments.append(self._current)
        self._current = SegmentData(self._simulator.state.segment_counter + 1)

    def clear(self):
        """get_data(clear=True): forget everything recorded so far."""
        tick = self._simulator.state.tick
        for seg in self._segments:
            seg.clear(seg.end_tick)
        self._current.clear(tick)

    # -- Neo -----------------------------------------------------------------------------
    def get(self, variables, gather=False, filter_ids=None, clear=False,
            annotations=None, locations=None):
        state = self._simulator.state
        names = self._requested(variables)
        population = _root(self.population)
        segments = list(self._segments)
        if state.has_run_in_segment:
            segments.append(self._current)
        elif self._current.index > 0 and segments:
            logger.warning("Due to the call directly after reset, the data will only contain "
                           "%d segments", len(segments))
        block = neo.Block(name=population.label, description=population.describe())
        by_index = {seg.index: seg for seg in segments}
        last = max(by_index) if by_index else -1
        for i in range(last + 1):
            seg = by_index.get(i)
            if seg is None or (not seg.recorded and seg is not self._current):
                # an earlier segment in which this population recorded nothing: sPyNNaker
                # inserts an empty placeholder (its database for that run has no metadata)
                block.segments.append(neo.Segment(name=f"segment{i}", description="empty"))
            else:
                block.segments.append(self._build_segment(seg, names, filter_ids, block.description))
        for seg in block.segments:
            seg.block = block
        if block.segments:
            block.rec_datetime = block.segments[0].rec_datetime
        block.annotations = self._block_annotations(population)
        if annotations:
            block.annotate(**annotations)
        if clear:
            self.clear()
        return block

    def _requested(self, variables):
        """Variable names in sPyNNaker's order: as given, or alphabetical for "all".

        A variable counts as recorded if it is recorded now or has data in a stored segment
        (so ``record(None)`` does not hide what was recorded before); asking for one that
        never was raises, as sPyNNaker does ("No metadata for ...").
        """
        recorded = {v.name for v, ids in self.recorded.items() if ids}
        for seg in self._segments + [self._current]:
            recorded.update(name for name, ids in seg.recorded.items() if len(ids))
        if variables == "all" or variables is None:
            return sorted(recorded)
        if isinstance(variables, str):
            variables = [variables]
        names = []
        for name in variables:
            if name == "all":
                return sorted(recorded)
            if not self.population.can_record(name):
                raise PopulationRecordingError(name, self.population)
            if name not in recorded:
                raise ConfigurationError(
                    f"Population '{_root(self.population).label}' did not record {name!r}; "
                    f"recorded: {sorted(recorded) or 'nothing'}")
            if name not in names:
                names.append(name)
        return names

    def _block_annotations(self, population):
        state = self._simulator.state
        first_id = int(population.first_id)
        return OrderedDict([
            ("size", population.size),
            ("first_index", 0),
            ("last_index", (population.size,)),
            ("first_id", first_id),
            ("last_id", (first_id + population.size,)),
            ("label", population.label),
            ("simulator", simulator_name()),
            ("dt", state.dt),
        ])

    def _selected(self, seg, name, filter_ids):
        """Population indices recorded for `name` in a segment, restricted to a view's cells."""
        indices = seg.recorded.get(name, np.zeros(0, dtype=np.int64))
        if filter_ids is not None:
            first = int(_root(self.population).first_id)
            wanted = np.asarray([int(i) - first for i in filter_ids], dtype=np.int64)
            indices = indices[np.isin(indices, wanted)]
        return indices

    def _build_segment(self, seg, names, filter_ids, description):
        state = self._simulator.state
        dt = state.dt
        population = _root(self.population)
        segment = neo.Segment(name=f"segment{seg.index}", description=description,
                              rec_datetime=seg.rec_datetime or datetime.now())
        if getattr(seg, "annotations", None):
            segment.annotate(**seg.annotations)
        end_tick = seg.end_tick if seg is not self._current else state.tick
        t_start = seg.start_tick * dt * pq.ms
        t_stop = end_tick * dt * pq.ms
        if "spikes" in names and "spikes" in seg.recorded:
            interval = seg.intervals.get("spikes", self._intervals.get("spikes", 1))
            segment.spiketrains.extend(self._spiketrains(
                seg, self._selected(seg, "spikes", filter_ids), interval, end_tick, t_start,
                t_stop, population))
        for name in names:
            if name == "spikes" or name not in seg.recorded:
                continue
            signal = self._signal(seg, name, self._selected(seg, name, filter_ids), population)
            if signal is not None:
                segment.analogsignals.append(signal)
        for obj in segment.spiketrains + segment.analogsignals:
            obj.segment = segment
        return segment

    def _spiketrains(self, seg, indices, interval, end_tick, t_start, t_stop, population):
        dt = self._simulator.state.dt
        if seg.spike_ticks:
            ticks = np.concatenate(seg.spike_ticks)
            atoms = np.concatenate(seg.spike_atoms)
        else:
            ticks = atoms = np.zeros(0, dtype=np.int64)
        if interval > 1:
            # the bitfield of a sampling period is written at its last tick (spec §8)
            ticks = -(-ticks // interval) * interval
        keep = (ticks >= seg.start_tick) & (ticks < end_tick)
        ticks, atoms = ticks[keep], atoms[keep]
        order = np.lexsort((ticks, atoms))
        ticks, atoms = ticks[order], atoms[order]
        lo = np.searchsorted(atoms, indices, side="left")
        hi = np.searchsorted(atoms, indices, side="right")
        first_id = int(population.first_id)
        rate = (1000.0 / (interval * dt)) * pq.Hz
        return [neo.SpikeTrain(ticks[a:b] * dt, units="ms", t_start=t_start, t_stop=t_stop,
                               sampling_rate=rate, source_population=population.label,
                               source_id=first_id + int(i), source_index=int(i))
                for i, a, b in zip(indices, lo, hi)]

    def _signal(self, seg, name, indices, population):
        """One AnalogSignal (rows = sampled ticks); (0, n) after get_data(clear=True)."""
        chunks = seg.samples.get(name, [])
        if not len(indices):
            return None
        dt = self._simulator.state.dt
        interval = seg.intervals.get(name, 1)
        all_ticks = np.unique(np.concatenate([c[0] for c in chunks] + [np.zeros(0, np.int64)]))
        all_ticks = all_ticks[all_ticks >= seg.start_tick]
        matrix = np.full((len(all_ticks), len(indices)), np.nan)
        for ticks, atoms, values in chunks:
            rows = np.searchsorted(all_ticks, ticks)
            valid_rows = (rows < len(all_ticks)) & (all_ticks[np.minimum(rows, len(all_ticks) - 1)] == ticks)
            cols = np.searchsorted(indices, atoms)
            valid_cols = (cols < len(indices)) & (indices[np.minimum(cols, len(indices) - 1)] == atoms)
            block = values[np.ix_(valid_rows, valid_cols)] / float(S1615_SCALE)
            matrix[np.ix_(rows[valid_rows], cols[valid_cols])] = block
        first_tick = all_ticks[0] if len(all_ticks) else seg.start_tick
        first_id = int(population.first_id)
        return neo.AnalogSignal(
            matrix, units=UNITS.get(name, "dimensionless"), t_start=first_tick * dt * pq.ms,
            sampling_rate=(1000.0 / (interval * dt)) * pq.Hz, name=name,
            source_population=population.label,
            source_ids=[np.int64(first_id + i) for i in indices],
            channel_names=np.asarray(indices, dtype=np.int64))

    # -- counts --------------------------------------------------------------------------
    def spike_counts(self, filter_ids=None):
        """{population index: number of spikes} in the current segment."""
        try:
            block = self.get(["spikes"], filter_ids=filter_ids)
        except ConfigurationError:
            raise ConfigurationError(
                f"{_root(self.population).label} did not record spikes") from None
        if not block.segments:
            return {}
        return {st.annotations["source_index"]: np.int64(len(st))
                for st in block.segments[-1].spiketrains}

    def _local_count(self, variable, filter_ids=None):
        return {int(_root(self.population).first_id) + i: int(n)
                for i, n in self.spike_counts(filter_ids).items()}


def _root(population):
    return population.grandparent if hasattr(population, "grandparent") else population


def simulator_name():
    """The simulator string of Neo annotations, in the toolchain's style."""
    from . import __version__
    state = simulator.state
    return f"{simulator.name}_under_version({__version__}-toolchain {state.profile.name})"
