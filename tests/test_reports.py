"""Mapping reports and report folders."""
import datetime
import io
import json
import os
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pynn_spinn_virtual import machine as M
from pynn_spinn_virtual.mapping import placement, reports, routing
from pynn_spinn_virtual.mapping.graph import MachineGraph, MachineVertex
from pynn_spinn_virtual.profiles import get_profile

PROFILE = get_profile("6")


def mapped():
    g = MachineGraph()
    pops = []
    for a, (label, n, kind) in enumerate([("exc", 1000, "neuron"), ("noise", 300, "poisson")]):
        slices = []
        for s, lo in enumerate(range(0, n, 256)):
            hi = min(lo + 256, n)
            slices.append(g.add_vertex(MachineVertex(
                f"{label}({lo}:{hi - 1})", label, a, s, lo, hi, kind,
                sdram_bytes=135_364 + s, n_keys=hi - lo)))
        pops.append(slices)
    exc, noise = pops
    for v in noise:
        for w in exc:
            g.add_edge(v, w)
    for v in exc:
        g.add_edge(v, exc[0])
    m = M.spinn5()
    pl = placement.place(g, m)
    keys = routing.allocate_keys(g, PROFILE)
    tables = routing.routing_tables(g, pl, m, keys)
    return g, m, pl, keys, tables


def read(path):
    with open(path) as f:
        return f.read()


def test_reports_written(tmp_path):
    g, m, pl, keys, tables = mapped()
    run = reports.run_folder(str(tmp_path / "2026-01-01-00-00-00-01"), 1)
    paths = reports.write_reports(run, g, pl, m, keys, tables,
                                  provenance={"ring_buffer_saturations": 0})
    names = sorted(os.path.basename(p) for p in paths)
    assert names == sorted([
        "partitioned_by_vertex.rpt", "placement_by_vertex_using_graph.rpt",
        "placement_by_core_using_graph.rpt", "chip_sdram_usage_by_core.rpt",
        "virtual_key_space_information_report.rpt", "routing_summary.rpt", "mapping.json"])
    assert run.endswith("run_1") and all(os.path.isfile(p) for p in paths)

    text = read(os.path.join(run, "partitioned_by_vertex.rpt"))
    assert "Partitioning Information by Vertex" in text and "SpiNN-5" in text
    assert "**** Vertex: 'exc'" in text and "Pop size: 1000" in text
    assert "Slice 768:999 (232 atoms)    Vertex exc(768:999)" in text
    assert "Model: poisson" in text

    text = read(os.path.join(run, "placement_by_vertex_using_graph.rpt"))
    assert "Slice 0:255 on core (0, 0, 1)    exc(0:255)" in text
    assert "Slice 256:299 on core (0, 0, 6)    noise(256:299)" in text

    text = read(os.path.join(run, "placement_by_core_using_graph.rpt"))
    assert "**** Chip: (0, 0)" in text
    assert "Processor 5: Vertex: 'noise', Slice: 0:255  noise(0:255)" in text
    total = sum(int(v.sdram_bytes) for v in g.vertices)
    assert f"Total SDRAM on chip (123469792 available): {total} bytes" in text

    text = read(os.path.join(run, "chip_sdram_usage_by_core.rpt"))
    assert "SDRAM reqs for core (0,0,2) is 135365 bytes" in text
    assert f"has total memory usage of {total} bytes" in text

    text = read(os.path.join(run, "virtual_key_space_information_report.rpt"))
    assert "Vertex: exc" in text and "Partition: SPIKE" in text
    for v in g.vertices:
        assert f"Machine Vertex: {v.label}, Slice: {v.lo}:{v.hi - 1}, " \
               f"Routing Key: 0x{keys.key_of(v):08x}, Mask: 0x{keys.mask_of(v):08x}" in text

    text = read(os.path.join(run, "routing_summary.rpt"))
    n = len(tables[(0, 0)])
    assert f"Chip (0, 0): {n} entries before compression, {n} after" in text
    assert "Router entries available per chip: 1023" in text

    data = json.loads(read(os.path.join(run, "mapping.json")))
    assert data["machine"]["n_chips"] == 48 and data["machine"]["wrap"] == "NoWrap"
    assert data["n_vertices"] == len(g.vertices) == 6
    first = data["vertices"][0]
    assert first["label"] == "exc(0:255)" and first["placement"] == [0, 0, 1]
    assert first["key"] == keys.key_of(g.vertices[0]) and first["mask"] == 0xFFFFFF00
    assert first["sdram_bytes"] == 135_364 and first["n_atoms"] == 256
    assert data["chips"] == [{"x": 0, "y": 0, "cores_used": [1, 2, 3, 4, 5, 6],
                              "sdram_used": total, "sdram_available": 123_469_792}]
    assert data["routing_tables"][0]["entries"] == n
    assert data["provenance"] == {"ring_buffer_saturations": 0}


def test_timestamp_format():
    stamp = reports.make_timestamp(datetime.datetime(2026, 3, 4, 5, 6, 7, 8901))
    assert stamp == "2026-03-04-05-06-07-8901"
    assert re.fullmatch(r"\d{4}(-\d{2}){5}-\d{2,6}", reports.make_timestamp())


def test_pruning_keeps_max_kept(tmp_path):
    base = tmp_path / "reports"
    base.mkdir()
    for i in range(13):
        folder = base / f"old{i:02}"
        folder.mkdir()
        if i != 1:                                  # old01 is still open (no marker)
            marker = reports.FINISHED_FILENAME if i % 2 else reports.ERRORED_FILENAME
            (folder / marker).write_text("x")
        os.utime(folder, (1000 + i, 1000 + i))
    new = reports.new_report_folder(str(base), max_kept=10)
    left = sorted(os.listdir(base))
    # 3 over the limit: the oldest three are considered, the open one is kept
    assert "old00" not in left and "old02" not in left
    assert "old01" in left and "old03" in left
    assert len(left) == 12 and os.path.basename(new) in left
    assert os.path.isfile(os.path.join(new, reports.TIMESTAMP_FILENAME))
    # with everything closed, max_kept old folders are kept besides the new one
    reports.mark_finished(str(base / "old01"))
    os.utime(base / "old01", (1001, 1001))
    reports.mark_finished(new)
    os.utime(new, (5000, 5000))
    newer = reports.new_report_folder(str(base), max_kept=10)
    left = sorted(os.listdir(base))
    assert len(left) == 11 and os.path.basename(newer) in left
    assert "old01" not in left and "old03" not in left and os.path.basename(new) in left


def test_errored_folders(tmp_path):
    base = tmp_path / "reports"
    folder = reports.new_report_folder(str(base), max_kept=2)
    try:
        raise ValueError("boom")
    except ValueError as error:
        reports.mark_errored(folder, error)
    assert os.path.isfile(os.path.join(folder, "errored"))
    assert "ValueError: boom" in read(os.path.join(folder, "stack_trace"))
    os.utime(folder, (1000, 1000))
    for _ in range(2):
        f = reports.new_report_folder(str(base), max_kept=2)
        reports.mark_finished(f)
        os.utime(f, (2000, 2000))
    # kept when errored folders are not to be removed
    reports.prune_report_folders(str(base), 1, remove_errored=False)
    assert os.path.basename(folder) in os.listdir(base)
    reports.prune_report_folders(str(base), 1, remove_errored=True)
    assert os.path.basename(folder) not in os.listdir(base)


def test_placement_error_report(tmp_path):
    import pytest
    from pynn_spinn_virtual.exceptions import MappingError
    g = MachineGraph()
    for a in range(49):
        for s in range(17):
            g.add_vertex(MachineVertex(f"pop{a}({s}:{s})", f"pop{a}", a, s, s, s + 1, "neuron",
                                       sdram_bytes=1000, n_keys=1))
    m = M.spinn5()
    with pytest.raises(MappingError) as info:
        placement.place(g, m)
    path = reports.write_placement_errors(str(tmp_path), g, info.value.placements, m,
                                          info.value)
    text = read(path)
    assert os.path.basename(path) == "placements_error.txt"
    assert "requires 49 chips but the machine has 48" in text
    assert "Could not place 1 of 49 application vertices." in text
    assert "Vertex: pop48" in text and "Processor 17: Vertex pop47(16:16)" in text


_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text())
_TREE = st.recursive(_LEAF, lambda inner: st.one_of(
    st.lists(inner), st.dictionaries(st.one_of(st.text(), st.integers()), inner)), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_TREE, st.booleans())
def test_report_json_reads_back_as_json_dump_writes_it(obj, sort_keys):
    f = io.StringIO()
    reports.write_json(obj, f, sort_keys=sort_keys and not _mixed_keys(obj))
    assert json.loads(f.getvalue()) == json.loads(json.dumps(obj))


def _mixed_keys(obj):
    """json cannot sort the keys of a dict mixing strings and integers."""
    if isinstance(obj, dict):
        kinds = {isinstance(k, str) for k in obj}
        return len(kinds) > 1 or any(_mixed_keys(v) for v in obj.values())
    if isinstance(obj, list):
        return any(_mixed_keys(v) for v in obj)
    return False
