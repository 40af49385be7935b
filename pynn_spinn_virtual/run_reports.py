"""The reports folder of a simulation, laid out as the toolchain lays it out.

``reports/<YYYY-MM-DD-HH-MM-SS-micro>/`` is created for a simulation when it first maps
its network (older folders beyond ``[Reports] max_reports_kept`` are pruned); each mapping
(the first run, and the first run after the network changed) writes its mapping reports to
a new ``run_<n>/`` folder; provenance (ring-buffer and delay-counter saturations) is written
there after every run; ``finished`` or ``errored`` (+ ``stack_trace``) mark the end.
Each Neo segment's recorded data is kept in ``data.sqlite3`` (segment 0), ``data1.sqlite3``
(after the first reset) ... in the run folder of the segment's first run
(:mod:`.recording_db`; written at the end of every run, and when a run raises).

Set ``[Reports] write_reports = False`` in spynnaker.cfg, or the environment variable
``PYNN_SPINN_VIRTUAL_REPORTS=0``, to write nothing (recorded data then stays in memory only).
"""
import os

from .mapping import reports
from .recording_db import RecordingDatabases

ENVIRONMENT_SWITCH = "PYNN_SPINN_VIRTUAL_REPORTS"


class RunReports:
    def __init__(self, config, profile, base="reports"):
        self.enabled = (config.get(("Reports", "write_reports"), True)
                        and os.environ.get(ENVIRONMENT_SWITCH, "1") != "0")
        self.max_kept = config.get(("Reports", "max_reports_kept"), profile.max_reports_kept)
        self.base = os.path.abspath(base)
        self.folder = None
        self.run_folder = None
        self.n_runs = 0
        self.recording = None         # recording_db.RecordingDatabases, once data is written

    def mapped(self, mapping):
        """A new mapping: a new run_<n> folder with its reports."""
        if not self.enabled:
            return
        if self.folder is None:
            self.folder = reports.new_report_folder(self.base, self.max_kept)
        self.n_runs += 1
        self.run_folder = reports.run_folder(self.folder, self.n_runs)
        reports.write_reports(self.run_folder, mapping.graph, mapping.placements,
                              mapping.machine, mapping.keys, mapping.routing_tables)

    def provenance(self, records):
        """Write the provenance gathered so far (a JSON-able dict) into the run folder."""
        if self.enabled and self.run_folder is not None:
            with open(os.path.join(self.run_folder, "provenance.json"), "w") as f:
                reports.write_json(records, f, sort_keys=True)

    def segment_database(self, index):
        """The recording database of Neo segment `index` (a recording_db.SegmentDatabase),
        created in the current run folder at the segment's first run; None when reports are
        off or nothing was mapped (``check`` mode)."""
        if not self.enabled or self.run_folder is None:
            return None
        if self.recording is None:
            self.recording = RecordingDatabases()
        return self.recording.segment(index, self.run_folder)

    def finished(self):
        if self.recording is not None:
            self.recording.close()
        if self.enabled and self.folder is not None:
            reports.mark_finished(self.folder)

    def errored(self, error):
        # keep what the run recorded before it raised (the stretches already simulated)
        if self.recording is not None:
            self.recording.flush()
        if self.enabled and self.folder is not None:
            reports.mark_errored(self.folder, error)
