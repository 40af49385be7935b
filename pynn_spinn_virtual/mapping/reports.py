"""Mapping reports, written like the toolchain's under ``reports/<timestamp>/run_<n>/``.

* :func:`new_report_folder` makes ``reports/<timestamp>/`` after pruning old report
  folders as the toolchain does ([Reports] ``max_reports_kept``);
* :func:`run_folder` makes ``run_<n>/`` inside it;
* :func:`write_reports` writes the text reports and ``mapping.json`` into a run folder;
* :func:`mark_finished` / :func:`mark_errored` write the ``finished`` or ``errored`` (+
  ``stack_trace``) marker into the timestamp folder.
"""
import datetime
import json
import logging
import os
import shutil
import traceback

from ..machine.geometry import LINK_NAMES

logger = logging.getLogger(__name__)

FINISHED_FILENAME = "finished"
ERRORED_FILENAME = "errored"
STACK_TRACE_FILENAME = "stack_trace"
TIMESTAMP_FILENAME = "time_stamp"

PARTITIONED_BY_VERTEX = "partitioned_by_vertex.rpt"
PLACEMENT_BY_VERTEX = "placement_by_vertex_using_graph.rpt"
PLACEMENT_BY_CORE = "placement_by_core_using_graph.rpt"
SDRAM_BY_CORE = "chip_sdram_usage_by_core.rpt"
KEY_SPACE = "virtual_key_space_information_report.rpt"
ROUTING_SUMMARY = "routing_summary.rpt"
MAPPING_JSON = "mapping.json"
PLACEMENT_ERRORS = "placements_error.txt"


# -- folders ----------------------------------------------------------------------------
def write_json(obj, f, sort_keys=False):
    """`obj` as JSON, an entry of a top-level dict or list per line, and an element of a list
    inside it per line: readable, and encoded by json's C encoder (``indent`` would take
    its pure-Python one, several ms for a few reports)."""
    def items(value, depth):
        pad = " " * (depth + 1)
        if depth < 2 and isinstance(value, dict) and value:
            keys = sorted(value) if sort_keys else list(value)
            return "{\n" + ",\n".join(f"{pad}{_json_key(k)}: {items(value[k], depth + 1)}"
                                       for k in keys) + "}"
        if depth < 2 and isinstance(value, (list, tuple)) and value:
            return "[\n" + ",\n".join(pad + items(v, depth + 1) for v in value) + "]"
        return json.dumps(value, sort_keys=sort_keys)
    f.write(items(obj, 0) + "\n")


def _json_key(key):
    """A dict key as json writes it (non-string keys become strings: 1 -> "1", True ->
    "true")."""
    return json.dumps(key if isinstance(key, str) else json.dumps(key))


def make_timestamp(now=None):
    """The toolchain's report-folder name: year-month-day-hour-minute-second-microsecond
    (each field zero-padded to two digits, so the microseconds have 2 to 6 digits)."""
    now = datetime.datetime.now() if now is None else now
    return (f"{now.year:04}-{now.month:02}-{now.day:02}-{now.hour:02}-{now.minute:02}-"
            f"{now.second:02}-{now.microsecond:02}")


def prune_report_folders(base, max_kept, remove_errored=True):
    """Remove the oldest report folders of `base` while there are more than `max_kept`.

    As the toolchain does before a new run: folders are taken oldest first (by
    modification time) and only closed ones -- with a ``finished`` marker, or an
    ``errored`` one when `remove_errored` -- are deleted; an open folder is skipped but
    still counts towards the number to remove.  Returns the removed paths.
    """
    try:
        names = os.listdir(base)
    except OSError:
        return []
    if len(names) <= max_kept:
        return []
    names.sort(key=lambda n: os.path.getmtime(os.path.join(base, n)))
    to_remove = len(names) - max_kept
    removed, not_closed = [], 0
    for name in names:
        path = os.path.join(base, name)
        finished = os.path.exists(os.path.join(path, FINISHED_FILENAME))
        errored = os.path.exists(os.path.join(path, ERRORED_FILENAME))
        if finished or (errored and remove_errored):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        else:
            not_closed += 1
        if len(removed) + not_closed >= to_remove:
            break
    if not_closed > max_kept // 4:
        logger.warning("%s has %d old reports that have not been closed", base, not_closed)
    return removed


def new_report_folder(base="reports", max_kept=10, remove_errored=True, now=None):
    """Prune `base` (see :func:`prune_report_folders`), then create and return
    ``base/<timestamp>/`` (with a ``time_stamp`` file, as the toolchain writes)."""
    os.makedirs(base, exist_ok=True)
    prune_report_folders(base, max_kept, remove_errored)
    now = datetime.datetime.now() if now is None else now
    while True:
        stamp = make_timestamp(now)
        path = os.path.join(base, stamp)
        try:
            os.makedirs(path)
            break
        except FileExistsError:
            now = now + datetime.timedelta(microseconds=1)
    with open(os.path.join(path, TIMESTAMP_FILENAME), "w") as f:
        f.write(stamp)
    return path


def run_folder(timestamp_folder, run_number):
    """Create (if needed) and return ``<timestamp_folder>/run_<n>/``."""
    path = os.path.join(timestamp_folder, f"run_{int(run_number)}")
    os.makedirs(path, exist_ok=True)
    return path


def mark_finished(timestamp_folder):
    with open(os.path.join(timestamp_folder, FINISHED_FILENAME), "w") as f:
        f.write("finished")


def mark_errored(timestamp_folder, error=None):
    """Write the ``errored`` marker and, for an exception, its ``stack_trace``."""
    with open(os.path.join(timestamp_folder, ERRORED_FILENAME), "w") as f:
        f.write("errored")
    if error is not None:
        with open(os.path.join(timestamp_folder, STACK_TRACE_FILENAME), "w") as f:
            if isinstance(error, BaseException):
                f.write("".join(traceback.format_exception(
                    type(error), error, error.__traceback__)))
            else:
                f.write(str(error))


# -- helpers -----------------------------------------------------------------------------
def _header(title, machine, now):
    line = "=" * len(title)
    return (f"        {title}\n        {line}\n\n"
            f"Generated: {now:%Y-%m-%d %H:%M:%S} for target machine "
            f"'{machine.description()}'\n\n")


def _applications(graph):
    """[(label, kind, size, [vertices by first atom])] in creation order."""
    out = []
    for gid, members in graph.applications().items():
        kinds = sorted({v.kind for v in members})
        out.append((gid[1], "/".join(kinds), max(v.hi for v in members), members))
    return out


def _slice(vertex):
    return f"{vertex.lo}:{vertex.hi - 1}"


def _entries_counts(tables):
    before = dict(getattr(tables, "uncompressed", {}) or {})
    after = {xy: len(entries) for xy, entries in tables.items()}
    before = {xy: len(entries) for xy, entries in before.items()} or dict(after)
    return before, after


# -- the reports ------------------------------------------------------------------------
def write_reports(directory, graph, placements, machine, keys, tables, provenance=None,
                  now=None):
    """Write the mapping reports into `directory` (a ``run_<n>`` folder); return the paths.

    `provenance` (optional) is a JSON-friendly dict stored under "provenance" in
    mapping.json (e.g. ring-buffer saturation counts).
    """
    os.makedirs(directory, exist_ok=True)
    now = datetime.datetime.now() if now is None else now
    apps = _applications(graph)
    writers = [
        (PARTITIONED_BY_VERTEX, _partitioned_by_vertex),
        (PLACEMENT_BY_VERTEX, _placement_by_vertex),
        (PLACEMENT_BY_CORE, _placement_by_core),
        (SDRAM_BY_CORE, _sdram_by_core),
        (KEY_SPACE, _key_space),
        (ROUTING_SUMMARY, _routing_summary),
    ]
    paths = []
    for name, writer in writers:
        path = os.path.join(directory, name)
        with open(path, "w") as f:
            writer(f, apps, graph, placements, machine, keys, tables, now)
        paths.append(path)
    path = os.path.join(directory, MAPPING_JSON)
    with open(path, "w") as f:
        write_json(mapping_json(graph, placements, machine, keys, tables, provenance), f)
    paths.append(path)
    return paths


def _vertex_heading(f, label, kind, size):
    """The lines that open an application vertex's entry in the by-vertex reports."""
    f.write(f"**** Vertex: '{label}'\n")
    f.write(f"Model: {kind}\n")
    f.write(f"Pop size: {size}\n")


def _partitioned_by_vertex(f, apps, graph, placements, machine, keys, tables, now):
    f.write(_header("Partitioning Information by Vertex", machine, now))
    for label, kind, size, members in apps:
        _vertex_heading(f, label, kind, size)
        f.write(f"Machine Vertices: {len(members)}\n")
        for v in members:
            f.write(f"  Slice {_slice(v)} ({v.n_atoms} atoms)    Vertex {v.label}    "
                    f"SDRAM {int(v.sdram_bytes)} bytes\n")
        f.write("\n")


def _placement_by_vertex(f, apps, graph, placements, machine, keys, tables, now):
    f.write(_header("Placement Information by Vertex", machine, now))
    for label, kind, size, members in apps:
        _vertex_heading(f, label, kind, size)
        f.write("Machine Vertices:\n")
        for v in members:
            place = placements.get(v)
            where = "not placed" if place is None else \
                f"core ({place.x}, {place.y}, {place.p})"
            f.write(f"  Slice {_slice(v)} on {where}    {v.label}\n")
        f.write("\n")


def _placement_by_core(f, apps, graph, placements, machine, keys, tables, now):
    f.write(_header("Placement Information by Core", machine, now))
    for x, y in placements.chips:
        chip = machine.chips[(x, y)]
        f.write(f"**** Chip: ({x}, {y})\n")
        f.write(f"Application cores: {chip.n_application_cores} "
                f"(monitor core{'s' if len(chip.monitor_cores) != 1 else ''} "
                f"{', '.join(map(str, chip.monitor_cores))})\n")
        total = 0
        for p, v in placements.on_chip(x, y):
            f.write(f"  Processor {p}: Vertex: '{v.app_label}', Slice: {_slice(v)}  {v.label}\n")
            f.write(f"              Model: {v.kind}\n")
            f.write(f"              SDRAM: {int(v.sdram_bytes)} bytes\n\n")
            total += int(v.sdram_bytes)
        f.write(f"Total SDRAM on chip ({chip.sdram} available): {total} bytes\n\n")


def _sdram_by_core(f, apps, graph, placements, machine, keys, tables, now):
    f.write(_header("Memory Usage by Core", machine, now))
    f.write("Planned by partitioner\n----------------------\n")
    for x, y in placements.chips:
        chip = machine.chips[(x, y)]
        used = 0
        for p, v in placements.on_chip(x, y):
            f.write(f"SDRAM reqs for core ({x},{y},{p}) is {int(v.sdram_bytes)} bytes "
                    f"({int(v.sdram_bytes) / 1024:.1f} KB) for {v.label}\n")
            used += int(v.sdram_bytes)
        free = chip.sdram - used
        f.write(f"**** Chip: ({x}, {y}) has total memory usage of {used} bytes "
                f"({used / 1024 / 1024:.2f} MB) out of a max of {chip.sdram} bytes "
                f"({100.0 * used / chip.sdram:.2f} %), {free} bytes free\n\n")


def _key_space(f, apps, graph, placements, machine, keys, tables, now):
    f.write(_header("Routing Information (keys and masks)", machine, now))
    if keys.applications:
        zone = keys.zone_bits
        f.write(f"Key layout: | application vertex: bits 31..{zone} | slice | atom | "
                f"(slice + atom fields: {zone} bits; each application vertex splits them "
                f"to fit its slices)\n\n")
    else:
        f.write("No vertex sends spikes: no keys allocated\n\n")
    for app in keys.applications:
        f.write(f"Vertex: {app.label}\n")
        f.write(f"    Partition: SPIKE, Routing Key: 0x{app.key:08x}, Mask: 0x{app.mask:08x}, "
                f"slice bits: {app.machine_bits}, atom bits: {app.atom_bits}\n")
        for v in app.vertices:
            if v not in keys:
                f.write(f"    Machine Vertex: {v.label}, Slice: {_slice(v)}, no key (sends "
                        f"nothing)\n")
                continue
            key, mask = keys[v]
            f.write(f"    Machine Vertex: {v.label}, Slice: {_slice(v)}, "
                    f"Routing Key: 0x{key:08x}, Mask: 0x{mask:08x}, "
                    f"Keys: {keys.n_keys_of(v)}\n")
        f.write("\n")


def _routing_summary(f, apps, graph, placements, machine, keys, tables, now):
    f.write(_header("Routing Summary Report", machine, now))
    before, after = _entries_counts(tables)
    limit = getattr(tables, "router_entries", None) or machine.router_entries_per_chip
    compressed = getattr(tables, "compressed_chips", set())
    total_before = sum(before.values())
    total_after = sum(after.values())
    f.write(f"Router entries available per chip: {limit}\n")
    f.write(f"Chips with routing entries: {len(after)}\n")
    f.write(f"Total entries: {total_before} before compression, {total_after} after\n")
    if after:
        worst = max(after, key=lambda xy: (after[xy], xy))
        f.write(f"Largest table: ({worst[0]}, {worst[1]}) with {after[worst]} entries "
                f"({before.get(worst, after[worst])} before compression)\n")
    f.write("\n")
    for xy in sorted(after):
        x, y = xy
        a = after[xy]
        b = before.get(xy, a)
        note = ""
        if xy in compressed:
            ratio = 100.0 * (b - a) / b if b else 0.0
            note = f"  compressed ({ratio:.1f} % smaller)"
        entries = tables[xy]
        n_local = sum(1 for e in entries if e.route >> 6)
        links = sorted({d for e in entries for d in e.links})
        f.write(f"Chip ({x}, {y}): {b} entries before compression, {a} after{note}; "
                f"{n_local} deliver to local cores; links used: "
                f"{', '.join(LINK_NAMES[d] for d in links) or 'none'}\n")


def write_placement_errors(directory, graph, placements, machine, error=None):
    """Write ``placements_error.txt`` after a failed placement, as the toolchain does:
    the error, what was placed (by chip), the application vertices not (fully) placed,
    and the chips left unused.  `placements` is ``error.placements``.  Returns the path."""
    os.makedirs(directory, exist_ok=True)
    apps = _applications(graph)
    unplaced = [(label, members) for label, _, _, members in apps
                if any(v not in placements for v in members)]
    path = os.path.join(directory, PLACEMENT_ERRORS)
    with open(path, "w") as f:
        if error is not None:
            f.write(f"{error}\n\n")
        f.write(f"Could not place {len(unplaced)} of {len(apps)} application vertices.\n\n")
        for x, y in placements.chips:
            f.write(f"Chip ({x}, {y}):\n")
            for p, v in placements.on_chip(x, y):
                f.write(f"    Processor {p}: Vertex {v.label}\n")
            f.write("\n")
        f.write("Not placed:\n")
        for label, members in unplaced:
            f.write(f"Vertex: {label}\n")
            for v in members:
                place = placements.get(v)
                where = "" if place is None else f" (placed at {place.x}, {place.y}, {place.p})"
                f.write(f"        Vertex {v.label}, {int(v.sdram_bytes)} bytes of SDRAM{where}\n")
        f.write("\nUnused chips:\n")
        used = set(placements.chips)
        for xy in machine.chip_coordinates():
            if xy not in used:
                f.write(f"    {xy} ({len(machine.application_cores_at(*xy))} free cores)\n")
    return path


def mapping_json(graph, placements, machine, keys, tables, provenance=None):
    """The whole mapping as a JSON-friendly dict."""
    before, after = _entries_counts(tables)
    vertices = []
    for v in graph.vertices:
        place = placements.get(v)
        has_key = v in keys
        vertices.append({
            "index": v.index, "label": v.label, "application": v.app_label,
            "application_index": v.app_index, "slice_index": v.slice_index,
            "kind": v.kind, "lo_atom": v.lo, "hi_atom": v.hi - 1, "n_atoms": v.n_atoms,
            "sdram_bytes": int(v.sdram_bytes),
            "placement": None if place is None else [place.x, place.y, place.p],
            "key": keys.key_of(v) if has_key else None,
            "mask": keys.mask_of(v) if has_key else None,
            "n_keys": keys.n_keys_of(v) if has_key else None,
            "constraint": None if v.constraint is None else list(v.constraint),
        })
    chips = []
    for x, y in placements.chips:
        on_chip = placements.on_chip(x, y)
        chips.append({
            "x": x, "y": y, "cores_used": [p for p, _ in on_chip],
            "sdram_used": sum(int(v.sdram_bytes) for _, v in on_chip),
            "sdram_available": machine.chips[(x, y)].sdram,
        })
    tables_json = [{
        "x": xy[0], "y": xy[1], "entries_before_compression": before.get(xy, after[xy]),
        "entries": after[xy]} for xy in sorted(after)]
    return {
        "machine": machine.to_json(),
        "n_vertices": len(graph.vertices),
        "n_edges": len(graph.edges),
        "n_chips_used": placements.n_chips_used,
        "n_cores_used": placements.n_cores_used,
        "key_zone_bits": keys.zone_bits,
        "vertices": vertices,
        "chips": chips,
        "routing_tables": tables_json,
        "provenance": provenance or {},
    }
