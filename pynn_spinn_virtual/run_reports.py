"""The reports folder of a simulation, laid out as the toolchain lays it out.

``reports/<YYYY-MM-DD-HH-MM-SS-micro>/`` is created for a simulation when it first maps
its network (older folders beyond ``[Reports] max_reports_kept`` are pruned); each mapping
(the first run, and the first run after the network changed) writes its mapping reports to
a new ``run_<n>/`` folder; provenance (ring-buffer and delay-counter saturations) is written
there after every run; ``finished`` or ``errored`` (+ ``stack_trace``) mark the end.

Set ``[Reports] write_reports = False`` in spynnaker.cfg, or the environment variable
``PYNN_SPINN_VIRTUAL_REPORTS=0``, to write nothing.
"""
import json
import os

from .mapping import reports

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
                json.dump(records, f, indent=1, sort_keys=True)

    def finished(self):
        if self.enabled and self.folder is not None:
            reports.mark_finished(self.folder)

    def errored(self, error):
        if self.enabled and self.folder is not None:
            reports.mark_errored(self.folder, error)
