"""Report folders written during runs, as the toolchain writes them (issue 4)."""
import json
import os

import pytest

import pynn_spinn_virtual as sim


@pytest.fixture
def reports_in(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYNN_SPINN_VIRTUAL_REPORTS", "1")
    return tmp_path / "reports"


def test_a_run_writes_mapping_reports_and_provenance(reports_in, fresh):
    fresh(1.0)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[5.1, 5.2, 5.3, 5.4, 5.5]),
                         label="src")
    post = sim.Population(300, sim.IF_curr_exp(), label="post")
    sim.Projection(src, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=1.0, delay=20.0))
    sim.run(30.0)
    sim.end()
    (folder,) = list(reports_in.iterdir())
    run = folder / "run_1"
    for name in ("partitioned_by_vertex.rpt", "placement_by_vertex_using_graph.rpt",
                 "placement_by_core_using_graph.rpt", "chip_sdram_usage_by_core.rpt",
                 "virtual_key_space_information_report.rpt", "routing_summary.rpt",
                 "mapping.json", "provenance.json"):
        assert (run / name).is_file(), name
    assert (folder / "finished").is_file()
    mapping = json.loads((run / "mapping.json").read_text())
    labels = {v["label"] for v in mapping["vertices"]}
    assert {"post(0:255)", "post(256:299)", "src(0:0)", "Delay extension for src(0:0)"} <= labels
    provenance = json.loads((run / "provenance.json").read_text())
    # 5 spikes x 16384 in one ring entry of every post neuron: 2 saturations per neuron
    assert provenance["ring_buffer_saturations"] == {"post(0:255)": 512, "post(256:299)": 88}


def test_a_new_mapping_after_reset_gets_a_new_run_folder(reports_in, fresh):
    fresh(1.0)
    pop = sim.Population(2, sim.IF_curr_exp(), label="a")
    sim.run(5.0)
    sim.reset()
    sim.Population(2, sim.IF_curr_exp(), label="b")
    sim.run(5.0)
    sim.end()
    (folder,) = list(reports_in.iterdir())
    assert {"finished", "run_1", "run_2"} <= set(os.listdir(folder))
    assert not (folder / "run_3").exists()
    assert pop.size == 2


def test_reports_can_be_switched_off(tmp_path, monkeypatch, fresh):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYNN_SPINN_VIRTUAL_REPORTS", "0")
    fresh(1.0)
    sim.Population(2, sim.IF_curr_exp())
    sim.run(1.0)
    sim.end()
    assert not (tmp_path / "reports").exists()
