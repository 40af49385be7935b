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

The Neo building (:func:`build_block`) takes its raw data from :class:`SegmentData`, which the
Recorder fills during the simulation and :mod:`.recording_db` fills from a kept per-segment
SQLite database, so a Block rebuilt from ``reports/.../data.sqlite3`` is the Block
``get_data()`` returned.  With reports on, the Recorder also writes everything it stores to
that database (one transaction per run).
"""
from collections import OrderedDict, namedtuple
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
    """The raw recordings of one population in one Neo segment (one reset epoch).

    The same structure is filled by the :class:`Recorder` during a simulation and by
    :mod:`.recording_db` from a kept database; :func:`build_block` turns either into Neo.
    """

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
        self.units = {}              # variable -> units, when read back from a database
        self.annotations = {}        # reset(annotations=...) that closed the segment
        self.database = None         # the segment's recording_db.SegmentDatabase, if any
        self.dirty = False           # data stored by a run that has not finished (yet)

    @property
    def has_data(self):
        return bool(self.spike_ticks or self.samples or self.intervals)

    def clear(self, tick):
        self.start_tick = tick
        self.spike_ticks, self.spike_atoms, self.samples = [], [], {}

    def discard_from(self, tick):
        """Forget the data of an unfinished run that started at `tick` (it raised)."""
        keep = [i for i, t in enumerate(self.spike_ticks) if len(t) and t.min() < tick]
        self.spike_ticks = [self.spike_ticks[i] for i in keep]
        self.spike_atoms = [self.spike_atoms[i] for i in keep]
        self.samples = {name: [c for c in chunks if len(c[0]) and c[0][0] < tick]
                        for name, chunks in self.samples.items()}


class PopulationInfo(namedtuple("PopulationInfo",
                                "label size first_id description simulator dt")):
    """What the Neo Block says about a population (kept in the database with the data)."""

    def block_annotations(self):
        return OrderedDict([
            ("size", self.size),
            ("first_index", 0),
            ("last_index", (self.size,)),
            ("first_id", self.first_id),
            ("last_id", (self.first_id + self.size,)),
            ("label", self.label),
            ("simulator", self.simulator),
            ("dt", self.dt),
        ])


class Recorder(recording.Recorder):
    """Keeps what the kernel recorded for one population and builds Neo blocks from it.

    With reports on, everything stored is also written to the segment's SQLite database
    (:mod:`.recording_db`) at the end of every run, so the data outlives the process.
    """

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
        interval = self._interval_ticks(sampling_interval)
        names = [variables] if isinstance(variables, str) else list(variables)
        for name in names:
            if not self.population.can_record(name):
                raise PopulationRecordingError(name, self.population)
        if interval is not None:
            self._check_interval_change(names, ids, interval)
        super().record(variables, ids, sampling_interval, locations)

    def _check_sampling_interval(self, sampling_interval):
        """PyNN's rule (one interval for every variable of a population, a bare ValueError)
        is replaced by the toolchain's: one interval per variable (`_check_interval_change`)."""

    def _check_interval_change(self, names, ids, interval):
        """Refuse what one recording region per variable cannot hold: a new interval for
        a variable that already has data in this segment, or for part of its neurons."""
        label = _root(self.population).label
        for name in names:
            if name == "spikes":
                continue
            variable = Variable(name, location=None, label=None)
            recorded = self.recorded.get(variable, set())
            old = self._intervals.get(name, 1)
            if not recorded and name not in self._current.recorded:
                continue
            if old == interval:
                continue
            if len(self._current.recorded.get(name, ())) and self._simulator.state.tick > 0:
                raise ConfigurationError(
                    f"Population '{label}': {name} was recorded every {old} timestep(s) in this "
                    f"segment; its sampling_interval cannot change before reset()")
            if recorded and not set(recorded) <= set(ids):
                raise ConfigurationError(
                    f"Population '{label}': Current implementation does not support multiple "
                    f"sampling_intervals for {name} on one population")

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
        return np.sort(np.fromiter(ids, dtype=np.int64, count=len(ids)) - first)

    def start_run(self, tick):
        """Remember what this run records, so that record(None) later keeps the data readable."""
        seg = self._current
        if seg.dirty:
            # the previous run raised: its partial data is dropped, this run redoes the ticks
            seg.discard_from(tick)
            seg.dirty = False
            if seg.database is not None:
                seg.database.discard_from(self.population.label, tick)
        if seg.rec_datetime is None:
            seg.rec_datetime = datetime.now()
        for v, ids in self.recorded.items():
            if ids:
                seg.intervals[v.name] = self._intervals.get(v.name, 1)
                before = seg.recorded.get(v.name)
                now = self.recorded_indices(v.name)         # sorted, unique
                if before is None or len(before) == 0:
                    seg.recorded[v.name] = now
                elif not np.array_equal(before, now):
                    seg.recorded[v.name] = np.union1d(before, now)
        reports = getattr(self._simulator.state, "reports", None)   # made when loading
        if seg.database is None and reports is not None:
            seg.database = reports.segment_database(seg.index)
        if seg.database is not None:
            population = _root(self.population)
            celltype = population.celltype
            info = PopulationInfo(population.label, population.size, int(population.first_id),
                                  None, simulator_name(), self._simulator.state.dt)
            seg.database.population_started(info, seg, type(celltype).__name__,
                                            list(celltype.recordable), population.describe)

    def store_spikes(self, ticks, atoms):
        if len(ticks):
            seg = self._current
            seg.spike_ticks.append(np.asarray(ticks, dtype=np.int64))
            seg.spike_atoms.append(np.asarray(atoms, dtype=np.int64))
            seg.dirty = True
            if seg.database is not None:
                seg.database.add_spikes(self.population.label, seg.spike_ticks[-1],
                                        seg.spike_atoms[-1])

    def store_samples(self, name, ticks, atoms, values):
        seg = self._current
        chunk = (np.asarray(ticks, dtype=np.int64), np.asarray(atoms, dtype=np.int64), values)
        seg.samples.setdefault(name, []).append(chunk)
        seg.dirty = True
        if seg.database is not None:
            seg.database.add_samples(self.population.label, name, *chunk)

    def end_run(self, tick):
        seg = self._current
        seg.end_tick = tick
        seg.dirty = False
        if seg.database is not None:
            seg.database.run_finished(tick)

    # -- segments ------------------------------------------------------------------------
    def store_to_cache(self, annotations=None):
        """Called by reset(): the current segment is finished; a new one starts."""
        if self._simulator.state.has_run_in_segment:
            self._current.annotations = dict(annotations or {})
            self._segments.append(self._current)
            if self._current.database is not None:
                self._current.database.segment_closed(self._current.annotations)
        self._current = SegmentData(self._simulator.state.segment_counter + 1)

    def clear(self):
        """get_data(clear=True): forget everything recorded so far."""
        tick = self._simulator.state.tick
        for seg in self._segments:
            seg.clear(seg.end_tick)
        self._current.clear(tick)
        for seg in self._segments + [self._current]:
            if seg.database is not None:
                seg.database.population_cleared(self.population.label, seg.start_tick)

    # -- Neo -----------------------------------------------------------------------------
    def population_info(self):
        population = _root(self.population)
        return PopulationInfo(population.label, population.size, int(population.first_id),
                              population.describe(), simulator_name(),
                              self._simulator.state.dt)

    def get(self, variables, gather=False, filter_ids=None, clear=False,
            annotations=None, locations=None):
        state = self._simulator.state
        names = self._requested(variables)
        segments = list(self._segments)
        current = None
        if state.has_run_in_segment:
            segments.append(self._current)
            current = self._current
        elif self._current.index > 0 and segments:
            logger.warning("Due to the call directly after reset, the data will only contain "
                           "%d segments", len(segments))
        filter_indices = None
        if filter_ids is not None:
            first = int(_root(self.population).first_id)
            filter_indices = np.asarray([int(i) - first for i in filter_ids], dtype=np.int64)
        block = build_block(self.population_info(), segments, names, current,
                            filter_indices, annotations)
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

        def refuse(name):
            if not self.population.can_record(name):
                raise PopulationRecordingError(name, self.population)

        return requested_variables(variables, recorded, _root(self.population).label, refuse)

    # -- counts --------------------------------------------------------------------------
    def spike_counts(self, filter_ids=None):
        """{population index: number of spikes} in the current segment."""
        try:
            block = self.get(["spikes"], filter_ids=filter_ids)
        except ConfigurationError:
            raise ConfigurationError(
                f"{_root(self.population).label} did not record spikes") from None
        return spike_counts(block)

    def _local_count(self, variable, filter_ids=None):
        return {int(_root(self.population).first_id) + i: int(n)
                for i, n in self.spike_counts(filter_ids).items()}


# ---------------------------------------------------------------------------------------------
# Neo from raw data: one code path for the live Recorder and for a kept database
# ---------------------------------------------------------------------------------------------
def requested_variables(variables, recorded, label, check=None):
    """The variable names a get_data(`variables`) call returns, given those `recorded`.

    ``"all"``/None gives every recorded variable in alphabetical order; otherwise the names
    in the order given (duplicates dropped).  `check(name)` may raise for names the cell type
    cannot record; a name never recorded raises ConfigurationError.
    """
    if variables == "all" or variables is None:
        return sorted(recorded)
    if isinstance(variables, str):
        variables = [variables]
    names = []
    for name in variables:
        if name == "all":
            return sorted(recorded)
        if check is not None:
            check(name)
        if name not in recorded:
            raise ConfigurationError(
                f"Population '{label}' did not record {name!r}; "
                f"recorded: {sorted(recorded) or 'nothing'}")
        if name not in names:
            names.append(name)
    return names


def build_block(info, segments, names, current=None, filter_indices=None, annotations=None,
                placeholders=True):
    """The Neo Block of one population from its raw :class:`SegmentData`.

    `segments`: the segments to show (others up to the highest index become "empty"
    placeholders, as do segments other than `current` in which the population recorded
    nothing); `names`: variables, from :func:`requested_variables`; `filter_indices`: the
    population indices of a view (None: all); `placeholders=False` shows only `segments`
    (one kept database read on its own).
    """
    block = neo.Block(name=info.label, description=info.description)
    by_index = {seg.index: seg for seg in segments}
    last = max(by_index) if by_index else -1
    for i in (range(last + 1) if placeholders else sorted(by_index)):
        seg = by_index.get(i)
        if seg is None or (not seg.recorded and seg is not current):
            # an earlier segment in which this population recorded nothing: sPyNNaker
            # inserts an empty placeholder (its database for that run has no metadata)
            block.segments.append(neo.Segment(name=f"segment{i}", description="empty"))
        else:
            block.segments.append(_build_segment(info, seg, names, filter_indices))
    for seg in block.segments:
        seg.block = block
    if block.segments:
        block.rec_datetime = block.segments[0].rec_datetime
    block.annotations = info.block_annotations()
    if annotations:
        block.annotate(**annotations)
    return block


def _selected(seg, name, filter_indices):
    """Population indices recorded for `name` in a segment, restricted to a view's cells."""
    indices = seg.recorded.get(name, np.zeros(0, dtype=np.int64))
    if filter_indices is not None:
        indices = indices[np.isin(indices, filter_indices)]
    return indices


def _build_segment(info, seg, names, filter_indices):
    dt = info.dt
    segment = neo.Segment(name=f"segment{seg.index}", description=info.description,
                          rec_datetime=seg.rec_datetime or datetime.now())
    if seg.annotations:
        segment.annotate(**seg.annotations)
    t_start = seg.start_tick * dt * pq.ms
    t_stop = seg.end_tick * dt * pq.ms
    if "spikes" in names and "spikes" in seg.recorded:
        segment.spiketrains.extend(_spiketrains(
            info, seg, _selected(seg, "spikes", filter_indices), seg.intervals.get("spikes", 1),
            t_start, t_stop))
    for name in names:
        if name == "spikes" or name not in seg.recorded:
            continue
        signal = _signal(info, seg, name, _selected(seg, name, filter_indices))
        if signal is not None:
            segment.analogsignals.append(signal)
    for obj in segment.spiketrains + segment.analogsignals:
        obj.segment = segment
    return segment


def _spiketrains(info, seg, indices, interval, t_start, t_stop):
    dt = info.dt
    if seg.spike_ticks:
        ticks = np.concatenate(seg.spike_ticks)
        atoms = np.concatenate(seg.spike_atoms)
    else:
        ticks = atoms = np.zeros(0, dtype=np.int64)
    if interval > 1:
        # the bitfield of a sampling period is written at its last tick (spec §8)
        ticks = -(-ticks // interval) * interval
    keep = (ticks >= seg.start_tick) & (ticks < seg.end_tick)
    ticks, atoms = ticks[keep], atoms[keep]
    order = np.lexsort((ticks, atoms))
    ticks, atoms = ticks[order], atoms[order]
    lo = np.searchsorted(atoms, indices, side="left")
    hi = np.searchsorted(atoms, indices, side="right")
    rate = (1000.0 / (interval * dt)) * pq.Hz
    times = ticks * dt
    if not len(indices):
        return []
    # the first train through Neo's constructor; the others as it would make them (see
    # _like_spiketrain): the constructor's unit parsing and checks cost ~0.3 ms per train
    i, a, b = indices[0], lo[0], hi[0]
    first = neo.SpikeTrain(times[a:b].copy(), units="ms", t_start=t_start, t_stop=t_stop,
                           sampling_rate=rate, source_population=info.label,
                           source_id=info.first_id + int(i), source_index=int(i))
    trains = [first]
    label, first_id = info.label, info.first_id
    # the shortcut copies the first train's t_start/t_stop: only when the constructor would
    # have kept them as given (same dtype as the times), as it does for a float timestep
    like = _like_spiketrain
    if not first.t_start.dtype == t_start.dtype == t_stop.dtype == times.dtype:
        def like(_, values, **annotations):
            return neo.SpikeTrain(values, units="ms", t_start=t_start, t_stop=t_stop,
                                  sampling_rate=rate, **annotations)
    for i, a, b in zip(indices[1:].tolist(), lo[1:].tolist(), hi[1:].tolist()):
        trains.append(like(first, times[a:b].copy(), source_population=label,
                           source_id=first_id + i, source_index=i))
    return trains



def _like_spiketrain(template, times, **annotations):
    """``neo.SpikeTrain(times, units, t_start, t_stop, sampling_rate, **annotations)`` with the
    units, t_start, t_stop and sampling_rate of `template` (made by that constructor from the
    same kind of arguments), without re-parsing the units or re-checking the times.

    `times`: a new float64 array in the template's units, within [t_start, t_stop].  The
    object has the attributes the constructor gives (``neo.SpikeTrain.__new__`` then
    ``__init__``): its own copies of t_start, t_stop and the dimensionality, the template's
    sampling_rate object (the constructor keeps the object it is given), no waveforms, no
    parents, empty array annotations of the train's length.
    """
    obj = times.view(neo.SpikeTrain)
    obj._dimensionality = template._dimensionality.copy()
    obj.t_start = template.t_start.copy()
    obj.t_stop = template.t_stop.copy()
    obj.waveforms = None
    obj.left_sweep = None
    obj.sampling_rate = template.sampling_rate
    obj.segment = None
    obj.unit = None
    neo.core.dataobject.DataObject.__init__(obj, name=None, description=None,
                                            file_origin=None, array_annotations=None,
                                            **annotations)
    return obj


def _signal(info, seg, name, indices):
    """One AnalogSignal (rows = sampled ticks); (0, n) after get_data(clear=True)."""
    chunks = seg.samples.get(name, [])
    if not len(indices):
        return None
    dt = info.dt
    interval = seg.intervals.get(name, 1)
    all_ticks = np.unique(np.concatenate([c[0] for c in chunks] + [np.zeros(0, np.int64)]))
    # rows of a run that raised (end_tick not reached) are not shown, as its spikes are not
    all_ticks = all_ticks[(all_ticks >= seg.start_tick) & (all_ticks < seg.end_tick)]
    matrix = np.full((len(all_ticks), len(indices)), np.nan)
    for ticks, atoms, values in chunks:
        rows = np.searchsorted(all_ticks, ticks)
        valid_rows = (rows < len(all_ticks)) & (all_ticks[np.minimum(rows, len(all_ticks) - 1)] == ticks)
        cols = np.searchsorted(indices, atoms)
        valid_cols = (cols < len(indices)) & (indices[np.minimum(cols, len(indices) - 1)] == atoms)
        block = values[np.ix_(valid_rows, valid_cols)] / float(S1615_SCALE)
        matrix[np.ix_(rows[valid_rows], cols[valid_cols])] = block
    first_tick = all_ticks[0] if len(all_ticks) else seg.start_tick
    units = seg.units.get(name) or UNITS.get(name, "dimensionless")
    return neo.AnalogSignal(
        matrix, units=units, t_start=first_tick * dt * pq.ms,
        sampling_rate=(1000.0 / (interval * dt)) * pq.Hz, name=name,
        source_population=info.label,
        source_ids=[np.int64(info.first_id + i) for i in indices],
        channel_names=np.asarray(indices, dtype=np.int64))


def spike_counts(block):
    """{population index: numpy.int64 spike count} of the block's last segment."""
    if not block.segments:
        return {}
    return {st.annotations["source_index"]: np.int64(len(st))
            for st in block.segments[-1].spiketrains}


def spinnaker_arrays(block, variable, as_matrix=False, view_indexes=None):
    """``spinnaker_get_data`` from a Block: PyNN 0.7-style arrays of its last segment.

    Spikes as [index, time] rows sorted by index then time; other variables as
    [index, time, value] triples (by index, then time), or the (time x neuron) matrix with
    `as_matrix`.
    """
    segment = block.segments[-1]
    if variable == "spikes":
        rows = [(st.annotations["source_index"], t) for st in segment.spiketrains
                for t in st.magnitude
                if view_indexes is None or st.annotations["source_index"] in view_indexes]
        return np.array(rows, dtype=float).reshape(-1, 2)
    signal = segment.filter(name=variable)[0]
    indexes = np.asarray(signal.annotations["channel_names"])
    keep = np.ones(len(indexes), bool) if view_indexes is None else np.isin(indexes, view_indexes)
    values = signal.magnitude[:, keep]
    if as_matrix:
        return values
    times = signal.times.rescale("ms").magnitude
    n_t, n_c = values.shape
    return np.column_stack([np.repeat(indexes[keep], n_t), np.tile(times, n_c),
                            values.T.ravel()])


def _root(population):
    return population.grandparent if hasattr(population, "grandparent") else population


def simulator_name():
    """The simulator string of Neo annotations, in the toolchain's style."""
    from . import __version__
    state = simulator.state
    return f"{simulator.name}_under_version({__version__}-toolchain {state.profile.name})"
