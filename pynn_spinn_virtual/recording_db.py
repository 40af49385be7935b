"""Recorded data kept on disk: one SQLite database per Neo segment, as the toolchain keeps it.

sPyNNaker 7 extracts every segment's recordings into ``reports/<timestamp>/run_<n>/
data.sqlite3`` (``data1.sqlite3`` after the first ``reset()``, ``data2.sqlite3`` ...), so the
data outlives ``end()`` and a crash, and ``DataPopulation`` rebuilds Neo from a kept file.
This module does the same for this backend (spec/frontend.md §2.1, §2.7, §4.3):

* :class:`SegmentDatabase` writes one segment's database while the simulation runs: the
  population metadata needed to rebuild the Block exactly, the segment metadata, and the
  recorded data as compact chunks (numpy arrays as BLOBs, one row per population and
  variable per write, never one row per spike).  Data is committed at the end of every
  ``run()`` (in one transaction), when a run raises (the stretches already simulated are
  kept) and whenever more than :data:`FLUSH_BYTES` are waiting.
* :func:`read_block` and :class:`DataPopulation` rebuild Neo blocks from kept databases with
  the very code that builds ``Population.get_data()`` (:func:`.recording.build_block`), so the
  blocks are identical in structure and values.

Databases are written only when reports are written (``[Reports] write_reports``, env
``PYNN_SPINN_VIRTUAL_REPORTS``); with reports off the data lives in memory only, as before.
The schema (:data:`SCHEMA`) is this backend's own: sPyNNaker's raw region bytes per core
would not mean anything here.  See ``docs/neo_output.md``, "Data kept on disk".
"""
from collections import OrderedDict
from datetime import datetime
import glob
import json
import logging
import os
import re
import sqlite3
import warnings

import numpy as np

from .exceptions import ConfigurationError
from .recording import (UNITS, PopulationInfo, SegmentData, build_block, requested_variables,
                        spike_counts, spinnaker_arrays)

logger = logging.getLogger("pynn_spinn_virtual")

#: what the ``info`` table says about the file
FORMAT_NAME = "pynn_spinn_virtual recording database"
FORMAT_VERSION = 1

#: pending recorded data (bytes) that triggers a write within a run
FLUSH_BYTES = 64 * 1024 * 1024

SCHEMA = """
CREATE TABLE info(                 -- key/value: format, format_version, created
    key TEXT PRIMARY KEY,
    value TEXT);
CREATE TABLE segment(              -- exactly one row: the segment this file holds
    segment_number INTEGER PRIMARY KEY,   -- 0 for data.sqlite3, n for data<n>.sqlite3
    rec_datetime TEXT,             -- ISO time of the segment's first run
    t_stop_tick INTEGER,           -- ticks run in the segment; NULL until a run finished
    dt REAL,                       -- timestep (ms)
    simulator TEXT,                -- the Neo "simulator" annotation
    reset_after INTEGER NOT NULL DEFAULT 0,  -- 1 once reset() closed the segment
    annotations TEXT);             -- JSON of reset(annotations=...), if closed
CREATE TABLE population(           -- one row per Population of the simulation
    pop_id INTEGER PRIMARY KEY,
    label TEXT UNIQUE NOT NULL,
    size INTEGER NOT NULL,
    first_id INTEGER NOT NULL,
    description TEXT,              -- Population.describe() at the last run
    celltype TEXT,
    recordable TEXT,               -- JSON list of the cell type's recordable variables
    rec_datetime TEXT,             -- ISO time of the population's first run in the segment
    start_tick INTEGER NOT NULL DEFAULT 0);  -- data before it cleared by get_data(clear=True)
CREATE TABLE recording(            -- what a population records in the segment
    pop_id INTEGER NOT NULL REFERENCES population(pop_id),
    variable TEXT NOT NULL,        -- "spikes", "v", "gsyn_exc", ...
    sampling_interval INTEGER NOT NULL,   -- ticks
    sampling_interval_ms REAL,
    units TEXT,                    -- "ms" for spikes, else the AnalogSignal's units
    n_indices INTEGER NOT NULL,
    indices BLOB,                  -- int64: population indices recorded (sorted)
    PRIMARY KEY (pop_id, variable));
CREATE TABLE chunk(                -- recorded data: numpy arrays as little-endian bytes
    chunk_id INTEGER PRIMARY KEY,
    pop_id INTEGER NOT NULL REFERENCES population(pop_id),
    variable TEXT NOT NULL,
    first_tick INTEGER NOT NULL,
    last_tick INTEGER NOT NULL,
    n_ticks INTEGER NOT NULL,      -- spikes: number of spikes; samples: rows
    n_atoms INTEGER NOT NULL,      -- spikes: number of spikes; samples: columns
    ticks_dtype TEXT NOT NULL,     -- numpy dtype string, e.g. "<u2", "<u4", "<i8"
    ticks BLOB NOT NULL,           -- spikes: tick of each spike; samples: tick of each row
    atoms_dtype TEXT NOT NULL,
    atoms BLOB NOT NULL,           -- spikes: neuron index of each spike; samples: columns
    data BLOB);                    -- samples: int32 s16.15 bits, n_ticks x n_atoms, C order
CREATE INDEX chunk_by_population ON chunk(pop_id, variable);
"""

_DATABASE_NAME = re.compile(r"^data(\d*)\.sqlite3$")


def database_name(segment_index):
    """The toolchain's file name of a segment's database: data.sqlite3, data1.sqlite3 ..."""
    return "data.sqlite3" if segment_index == 0 else f"data{segment_index}.sqlite3"


def _pack(values):
    """(numpy dtype string, bytes) of non-negative integers in the narrowest unsigned type."""
    values = np.asarray(values)
    top = int(values.max()) if len(values) else 0
    low = int(values.min()) if len(values) else 0
    dtype = "<i8" if low < 0 or top >= 1 << 32 else ("<u4" if top >= 1 << 16 else "<u2")
    return dtype, np.ascontiguousarray(values, dtype=dtype).tobytes()


def _unpack(dtype, blob):
    return np.frombuffer(blob, dtype=dtype).astype(np.int64)


def _isoformat(when):
    return when.isoformat() if when is not None else None


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------
class SegmentDatabase:
    """The database of one segment, written by the populations' recorders as they run.

    Statements run inside one open transaction that :meth:`flush` commits together with the
    recorded chunks waiting in memory (merged to one chunk per population and variable
    wherever their ticks or neurons line up).  A file that cannot be written is reported
    once and then left alone: the data stays available in memory.
    """

    def __init__(self, path, index):
        self.path = path
        self.index = index
        self.active = True            # the segment being run: keep the connection open
        self.failed = False
        self.n_transactions = 0       # commits so far (for tests and benchmarks)
        self.n_chunks = 0             # chunk rows written so far
        self._conn = None
        self._in_transaction = False
        self._created = False
        self._pop_ids = {}            # label -> pop_id
        self._describe = {}           # label -> (Population.describe, description written)
        self._written = {}            # what was last written, to write only changes
        self._t_stop = None
        self._closed = False
        self._pending = OrderedDict()  # (label, variable) -> [(ticks, atoms, values|None)]
        self._pending_bytes = 0

    # -- connection ------------------------------------------------------------------------
    def _connection(self):
        if self._conn is None:
            if not self._created:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
                for stale in (self.path, self.path + "-journal"):   # of another simulation
                    if os.path.exists(stale):
                        os.remove(stale)
            # autocommit mode: transactions are begun and committed explicitly; a rollback
            # journal (no -wal files) and no fsync per commit -- a process that dies keeps
            # every committed transaction; only an OS crash could lose the latest ones
            self._conn = sqlite3.connect(self.path, isolation_level=None)
            self._conn.execute("PRAGMA synchronous=OFF")
            if not self._created:
                # one transaction (not one journal file per table)
                self._conn.executescript("BEGIN;\n" + SCHEMA)
                self._conn.executemany(
                    "INSERT INTO info(key, value) VALUES (?, ?)",
                    [("format", FORMAT_NAME), ("format_version", str(FORMAT_VERSION)),
                     ("created", datetime.now().isoformat())])
                self._conn.execute("COMMIT")
                self._created = True
        return self._conn

    def _execute(self, sql, params=()):
        if self.failed:
            return
        try:
            conn = self._connection()
            if not self._in_transaction:
                conn.execute("BEGIN")
                self._in_transaction = True
            conn.execute(sql, params)
        except sqlite3.Error as error:
            self._fail(error)

    def _fail(self, error):
        logger.warning("Recorded data can no longer be written to %s (%s); it stays available "
                       "in memory until the end of the script", self.path, error)
        self.failed = True
        self._pending.clear()
        self._pending_bytes = 0
        try:
            if self._conn is not None:
                if self._in_transaction:
                    self._conn.execute("ROLLBACK")
                self._conn.close()
        except sqlite3.Error:
            pass
        self._conn = None
        self._in_transaction = False

    def _write_pending(self):
        if self._pending and not self.failed:
            pending, self._pending, self._pending_bytes = self._pending, OrderedDict(), 0
            for (label, variable), chunks in pending.items():
                for row in _merged(chunks):
                    self._insert_chunk(label, variable, *row)

    def flush(self):
        """Write the waiting chunks and commit: one transaction."""
        if self.failed:
            return
        self._write_pending()
        if self._in_transaction and not self.failed:
            try:
                self._conn.execute("COMMIT")
                self.n_transactions += 1
            except sqlite3.Error as error:
                self._fail(error)
                return
            self._in_transaction = False
        if not self.active:
            self.close()

    def close(self):
        """Commit what is waiting and close the file (it is reopened if written again)."""
        if self._conn is not None and not self.failed:
            self._refresh_descriptions()
        if self._pending or self._in_transaction:
            active, self.active = self.active, True
            self.flush()
            self.active = active
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- metadata --------------------------------------------------------------------------
    def population_started(self, info, seg, celltype, recordable, describe):
        """A population starts a run in this segment: write what describes it.

        Cheap when nothing changed (the usual case of many short runs): the population row
        is written at its first run in the segment (its description -- `describe()` -- is
        refreshed when the segment is closed), a recording row when the variable's sampling
        interval or recorded neurons change.
        """
        label = info.label
        if "segment" not in self._written:
            self._execute("INSERT INTO segment(segment_number, rec_datetime, dt, simulator) "
                          "VALUES (?, ?, ?, ?)",
                          (self.index, _isoformat(seg.rec_datetime), info.dt, info.simulator))
            self._written["segment"] = True
        if label not in self._pop_ids:
            pop_id = self._pop_ids[label] = len(self._pop_ids) + 1
            description = describe()
            self._describe[label] = (describe, description)
            self._execute("INSERT INTO population(pop_id, label, size, first_id, description, "
                          "celltype, recordable, rec_datetime, start_tick) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (pop_id, label, info.size, info.first_id, description, celltype,
                           json.dumps(recordable), _isoformat(seg.rec_datetime),
                           int(seg.start_tick)))
        pop_id = self._pop_ids[label]
        for variable, indices in seg.recorded.items():
            # the recorded neurons only grow (a union), so their number tells a change
            interval = int(seg.intervals.get(variable, 1))
            if self._written.get((label, variable)) == (interval, len(indices)):
                continue
            self._written[(label, variable)] = (interval, len(indices))
            units = "ms" if variable == "spikes" else UNITS.get(variable, "dimensionless")
            self._execute("INSERT OR REPLACE INTO recording(pop_id, variable, "
                          "sampling_interval, sampling_interval_ms, units, n_indices, indices) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)",
                          (pop_id, variable, interval, interval * info.dt, units, len(indices),
                           np.ascontiguousarray(indices, dtype="<i8").tobytes()))

    def _refresh_descriptions(self):
        """Population.describe() again: parameters may have been set since the first run."""
        for label, (describe, before) in list(self._describe.items()):
            try:
                description = describe()
            except Exception as error:      # a description is not worth a crash
                logger.debug("describe() of %s failed: %s", label, error)
                continue
            if description != before:
                self._describe[label] = (describe, description)
                self._execute("UPDATE population SET description = ? WHERE pop_id = ?",
                              (description, self._pop_ids[label]))

    def run_finished(self, tick):
        """A run ended at `tick`: its data, then the segment's time, committed together."""
        self._write_pending()         # the data first: t_stop never covers data not written
        if self._t_stop != tick:
            self._execute("UPDATE segment SET t_stop_tick = ? WHERE segment_number = ?",
                          (int(tick), self.index))
            self._t_stop = tick
        self.flush()

    def segment_closed(self, annotations):
        """reset(): the segment is finished; reset(annotations=...) belong to it."""
        if not self._closed:
            self._closed = True
            self._refresh_descriptions()
            self._execute("UPDATE segment SET reset_after = 1, annotations = ? "
                          "WHERE segment_number = ?",
                          (json.dumps(annotations or {}, default=_json_default), self.index))
            self.flush()

    def population_cleared(self, label, start_tick):
        """get_data(clear=True): the population's data so far is gone; data starts again."""
        pop_id = self._pop_ids.get(label)
        if pop_id is None:
            return
        for key in [k for k in self._pending if k[0] == label]:
            del self._pending[key]
        self._execute("UPDATE population SET start_tick = ? WHERE pop_id = ?",
                      (int(start_tick), pop_id))
        self._execute("DELETE FROM chunk WHERE pop_id = ?", (pop_id,))
        self.flush()

    def discard_from(self, label, tick):
        """A run from `tick` raised and is run again: forget the data it had written."""
        pop_id = self._pop_ids.get(label)
        if pop_id is None:
            return
        for key in [k for k in self._pending if k[0] == label]:
            self._pending[key] = [c for c in self._pending[key] if c[0].min() < tick]
        self._execute("DELETE FROM chunk WHERE pop_id = ? AND first_tick >= ?",
                      (pop_id, int(tick)))

    # -- data --------------------------------------------------------------------------------
    def add_spikes(self, label, ticks, atoms):
        self._add(label, "spikes", (ticks, atoms, None), ticks.nbytes + atoms.nbytes)

    def add_samples(self, label, variable, ticks, atoms, values):
        self._add(label, variable, (ticks, atoms, values), values.nbytes)

    def _add(self, label, variable, chunk, nbytes):
        if self.failed or not len(chunk[0]):
            return
        self._pending.setdefault((label, variable), []).append(chunk)
        self._pending_bytes += nbytes
        if self._pending_bytes > FLUSH_BYTES:
            self.flush()

    def _insert_chunk(self, label, variable, ticks, atoms, values):
        ticks_dtype, ticks_blob = _pack(ticks)
        atoms_dtype, atoms_blob = _pack(atoms)
        data = None
        if values is not None:
            data = np.ascontiguousarray(values, dtype="<i4").tobytes()
            n_ticks, n_atoms = len(ticks), len(atoms)
        else:
            n_ticks = n_atoms = len(ticks)
        self._execute(
            "INSERT INTO chunk(pop_id, variable, first_tick, last_tick, n_ticks, n_atoms, "
            "ticks_dtype, ticks, atoms_dtype, atoms, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self._pop_ids[label], variable, int(ticks.min()), int(ticks.max()), n_ticks,
             n_atoms, ticks_dtype, ticks_blob, atoms_dtype, atoms_blob, data))
        self.n_chunks += 1


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _merged(chunks):
    """The chunks of one population and variable, merged as far as they line up.

    Spikes: all in one chunk.  Samples: the cores of one stretch (same ticks) side by side,
    then consecutive stretches with the same neurons one below the other.
    """
    if chunks[0][2] is None:
        if len(chunks) == 1:
            return [chunks[0]]
        return [(np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks]),
                 None)]
    side_by_side = []
    for ticks, atoms, values in chunks:
        last = side_by_side[-1] if side_by_side else None
        if last is not None and np.array_equal(last[0], ticks):
            last[1].append(atoms)
            last[2].append(values)
        else:
            side_by_side.append((ticks, [atoms], [values]))
    stacked = []
    for ticks, atoms, values in side_by_side:
        atoms = np.concatenate(atoms) if len(atoms) > 1 else atoms[0]
        values = np.hstack(values) if len(values) > 1 else values[0]
        last = stacked[-1] if stacked else None
        if last is not None and np.array_equal(last[1], atoms):
            last[0].append(ticks)
            last[2].append(values)
        else:
            stacked.append(([ticks], atoms, [values]))
    return [(np.concatenate(t) if len(t) > 1 else t[0], atoms,
             np.vstack(v) if len(v) > 1 else v[0]) for t, atoms, v in stacked]


class RecordingDatabases:
    """The segment databases of one simulation (held by its :class:`.RunReports`)."""

    def __init__(self):
        self.segments = {}            # segment index -> SegmentDatabase

    def segment(self, index, folder):
        """The database of segment `index`, created in `folder` at its first run."""
        database = self.segments.get(index)
        if database is None:
            database = self.segments[index] = SegmentDatabase(
                os.path.join(folder, database_name(index)), index)
        for other in self.segments.values():
            if other is not database and other.active:
                other.active = False
                other.close()
        database.active = True
        return database

    def flush(self):
        for database in self.segments.values():
            database.flush()

    def close(self):
        for database in self.segments.values():
            database.active = False
            database.close()


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------
def find_databases(source):
    """[(segment index, path)] of the segment databases in `source`, by segment index.

    `source`: one ``data*.sqlite3`` file; a ``run_<n>`` folder; a simulation's reports
    folder ``reports/<timestamp>`` (its databases may be spread over several ``run_<n>``
    folders); or the ``reports`` folder itself, which means its newest simulation.
    """
    source = os.fspath(source)
    if os.path.isfile(source):
        return [(_segment_number(source), source)]
    if not os.path.isdir(source):
        raise FileNotFoundError(f"no recording database or reports folder at {source!r}")
    paths = [p for p in glob.glob(os.path.join(source, "**", "data*.sqlite3"), recursive=True)
             if _DATABASE_NAME.match(os.path.basename(p))]
    if not paths:
        raise FileNotFoundError(f"no data*.sqlite3 recording database under {source!r}")
    simulations = {}
    for path in paths:
        folder = os.path.dirname(path)
        if re.match(r"^run_\d+$", os.path.basename(folder)):
            folder = os.path.dirname(folder)
        simulations.setdefault(folder, []).append(path)
    if len(simulations) > 1:
        newest = max(simulations, key=lambda f: (os.path.basename(f), f))
        logger.info("%s holds the reports of %d simulations; reading the newest, %s",
                    source, len(simulations), newest)
        paths = simulations[newest]
    found = {}
    for path in paths:
        index = _segment_number(path)
        if index in found:
            raise ValueError(f"two databases of segment {index}: {found[index]} and {path}")
        found[index] = path
    return sorted(found.items())


def _open(path):
    conn = sqlite3.connect(path)
    try:
        info = dict(conn.execute("SELECT key, value FROM info"))
    except sqlite3.DatabaseError:
        info = {}
    if info.get("format") != FORMAT_NAME:
        conn.close()
        raise ValueError(f"{path} is not a {FORMAT_NAME}")
    if int(info.get("format_version", 0)) > FORMAT_VERSION:
        conn.close()
        raise ValueError(f"{path} has format version {info['format_version']}; this version "
                         f"of pynn_spinn_virtual reads up to {FORMAT_VERSION}")
    return conn


def _segment_number(path):
    conn = _open(path)
    try:
        row = conn.execute("SELECT segment_number FROM segment").fetchone()
    finally:
        conn.close()
    if row is None:
        match = _DATABASE_NAME.match(os.path.basename(path))
        return int(match.group(1) or 0) if match else 0
    return int(row[0])


def population_labels(source):
    """Labels of the populations with data in the databases of `source`, in id order."""
    labels = {}
    for _, path in find_databases(source):
        conn = _open(path)
        try:
            for label, first_id in conn.execute("SELECT label, first_id FROM population"):
                labels[label] = first_id
        finally:
            conn.close()
    return sorted(labels, key=lambda label: (labels[label], label))


class _PopulationRecord:
    """What one database says about one population: metadata and its SegmentData."""

    def __init__(self, segment, info, closed, celltype, recordable):
        self.segment = segment
        self.info = info
        self.closed = closed
        self.celltype = celltype
        self.recordable = recordable


def read_segment(path, label):
    """The population's data in one segment database, or None if it has none there.

    None also when no run of the segment finished (its first run raised): such a segment
    is not part of the Neo data, as during the simulation.
    """
    conn = _open(path)
    try:
        segment_row = conn.execute("SELECT segment_number, rec_datetime, t_stop_tick, dt, "
                                   "simulator, reset_after, annotations FROM segment").fetchone()
        pop_row = conn.execute("SELECT pop_id, size, first_id, description, celltype, "
                               "recordable, rec_datetime, start_tick FROM population "
                               "WHERE label = ?", (label,)).fetchone()
        if segment_row is None or pop_row is None or segment_row[2] is None:
            return None
        index, _, t_stop, dt, simulator, reset_after, annotations = segment_row
        pop_id, size, first_id, description, celltype, recordable, rec_datetime, start = pop_row
        seg = SegmentData(int(index))
        seg.rec_datetime = datetime.fromisoformat(rec_datetime) if rec_datetime else None
        seg.start_tick = int(start)
        seg.end_tick = int(t_stop)
        if reset_after:
            seg.annotations = json.loads(annotations or "{}")
        for variable, interval, units, blob in conn.execute(
                "SELECT variable, sampling_interval, units, indices FROM recording "
                "WHERE pop_id = ? ORDER BY variable", (pop_id,)):
            seg.recorded[variable] = np.frombuffer(blob or b"", dtype="<i8").astype(np.int64)
            seg.intervals[variable] = int(interval)
            if variable != "spikes":
                seg.units[variable] = units
        for (variable, n_ticks, n_atoms, ticks_dtype, ticks, atoms_dtype, atoms,
             data) in conn.execute(
                "SELECT variable, n_ticks, n_atoms, ticks_dtype, ticks, atoms_dtype, atoms, "
                "data FROM chunk WHERE pop_id = ? ORDER BY chunk_id", (pop_id,)):
            ticks = _unpack(ticks_dtype, ticks)
            atoms = _unpack(atoms_dtype, atoms)
            if variable == "spikes":
                seg.spike_ticks.append(ticks)
                seg.spike_atoms.append(atoms)
            else:
                values = np.frombuffer(data, dtype="<i4").astype(np.int32).reshape(
                    n_ticks, n_atoms)
                seg.samples.setdefault(variable, []).append((ticks, atoms, values))
    finally:
        conn.close()
    info = PopulationInfo(label, int(size), int(first_id), description, simulator, float(dt))
    return _PopulationRecord(seg, info, bool(reset_after), celltype, json.loads(recordable))


class DataPopulation:
    """A population rebuilt from kept recording databases, after the simulation.

    Like sPyNNaker's ``spynnaker.pyNN.utilities.data_population.DataPopulation``: only the
    data calls work (``get_data``, ``spinnaker_get_data``, ``write_data``,
    ``get_spike_counts``, ``mean_spike_count``), and they return what the population's own
    calls returned at the end of the simulation -- the same Neo structure and values, built by
    the same code.

    `source`: a simulation's ``reports/<timestamp>`` folder (all its segments, wherever their
    ``run_<n>`` folder), the ``reports`` folder (its newest simulation), a ``run_<n>`` folder or
    one ``data*.sqlite3`` file (only the segments there: no "empty" placeholders for others).  `label`: the population's label; may be left out when the
    databases hold a single population.
    """

    def __init__(self, source, label=None):
        self.source = os.fspath(source)
        # placeholders for the segments not found only when reading a whole simulation
        self._whole_simulation = not (os.path.isfile(self.source) or re.match(
            r"^run_\d+$", os.path.basename(os.path.normpath(self.source))))
        databases = find_databases(self.source)
        if label is None:
            labels = population_labels(self.source)
            if len(labels) != 1:
                raise ValueError(f"{self.source} holds the populations {labels}: pass a label")
            label = labels[0]
        records = [(index, read_segment(path, label)) for index, path in databases]
        self._records = [record for _, record in records if record is not None]
        if not self._records:
            raise ValueError(f"no data of a population {label!r} in {self.source} (it has "
                             f"{population_labels(self.source)})")
        self.label = label
        last = self._records[-1]
        self._info = last.info
        self.celltype = last.celltype
        self.recordable = last.recordable

    # -- what the population was ---------------------------------------------------------
    @property
    def size(self):
        return self._info.size

    @property
    def first_id(self):
        return self._info.first_id

    @property
    def last_id(self):
        return self._info.first_id + self._info.size - 1

    def __len__(self):
        return self.size

    def describe(self):
        return self._info.description

    def id_to_index(self, id):
        return np.asarray(id) - self.first_id

    def index_to_id(self, index):
        return np.asarray(index) + self.first_id

    def recorded_variables(self):
        return sorted({name for record in self._records
                       for name, ids in record.segment.recorded.items() if len(ids)})

    def __repr__(self):
        return f"DataPopulation({self.source!r}, {self.label!r})"

    # -- data ------------------------------------------------------------------------------
    def get_data(self, variables="all", gather=True, clear=False, annotations=None,
                 view_indexes=None):
        """The Neo Block that ``Population.get_data(variables)`` returned (see module doc).

        `view_indexes`: population indices, for the block of a PopulationView.
        """
        if clear:
            warnings.warn("clear=True is ignored: kept databases are read only")

        def check(name):
            if name not in self.recordable:
                raise ConfigurationError(
                    f"Population '{self.label}' cannot record {name!r}: {self.celltype} "
                    f"records {', '.join(self.recordable)}")

        names = requested_variables(variables, self.recorded_variables(), self.label, check)
        segments = [record.segment for record in self._records]
        current = None if self._records[-1].closed else segments[-1]
        filter_indices = None
        if view_indexes is not None:
            filter_indices = np.asarray(view_indexes, dtype=np.int64).ravel()
        block = build_block(self._info, segments, names, current, filter_indices, annotations,
                            placeholders=self._whole_simulation)
        return block

    def write_data(self, io, variables="all", gather=True, clear=False, annotations=None):
        """Write the Block to a file (a name picks the Neo IO by its extension) or a Neo IO."""
        from pyNN.recording import get_io
        if isinstance(io, (str, os.PathLike)):
            io = get_io(os.fspath(io))
        io.write(self.get_data(variables, gather, clear, annotations))

    def spinnaker_get_data(self, variable, as_matrix=False, view_indexes=None):
        """sPyNNaker's PyNN 0.7-style arrays of the last segment (see Population's)."""
        warnings.warn("spinnaker_get_data is non-standard PyNN")
        return spinnaker_arrays(self.get_data(variable), variable, as_matrix, view_indexes)

    def get_spike_counts(self, gather=True):
        """{index: numpy.int64 count} of the last segment, as ``Population.get_spike_counts``."""
        if "spikes" not in self.recorded_variables():
            raise ConfigurationError(f"{self.label} did not record spikes")
        return spike_counts(self.get_data("spikes"))

    def mean_spike_count(self, gather=True):
        counts = self.get_spike_counts()
        return float(sum(counts.values())) / len(counts) if counts else 0.0


def read_block(source, population_label=None, variables="all", annotations=None,
               view_indexes=None):
    """The Neo Block of one population rebuilt from kept recording databases.

    ``read_block("reports/<timestamp>", "pop")`` returns what ``pop.get_data()`` returned at
    the end of the simulation: same segments (``segment0`` from ``data.sqlite3``,
    ``segment1`` from ``data1.sqlite3`` ...), annotations, times, values, units and shapes.
    `source` as for :class:`DataPopulation`; `variables` and `annotations` as for
    ``get_data``; `view_indexes` (population indices) gives the block of a view.
    """
    return DataPopulation(source, population_label).get_data(
        variables, annotations=annotations, view_indexes=view_indexes)
