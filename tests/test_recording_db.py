"""Recorded data kept in the toolchain's per-segment SQLite databases (issue 6;
spec/frontend.md §2.1, §2.7, §4.3): ``reports/<timestamp>/run_<n>/data.sqlite3`` for segment 0,
``data1.sqlite3`` after the first reset ...; Neo blocks rebuilt from them equal those
``get_data()`` returned; a run that raises keeps the earlier data; writing stays cheap."""
import json
import os
import pickle
import sqlite3
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import quantities as pq

import pynn_spinn_virtual as sim
from pynn_spinn_virtual import recording_db
from pynn_spinn_virtual.exceptions import ConfigurationError


@pytest.fixture
def reports_in(tmp_path, monkeypatch):
    """Reports (and so the databases) on, in a temporary working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYNN_SPINN_VIRTUAL_REPORTS", "1")
    monkeypatch.delenv("PYNN_SPINN_VIRTUAL_PROGRESS", raising=False)
    return tmp_path / "reports"


def _simulation_folder(reports):
    (folder,) = [p for p in reports.iterdir() if p.is_dir()]
    return folder


# ---------------------------------------------------------------------------------------------
# block comparison: everything a user can see
# ---------------------------------------------------------------------------------------------
def _same_annotations(a, b):
    assert list(a) == list(b)
    for key in a:
        x, y = a[key], b[key]
        assert type(x) is type(y), (key, type(x), type(y))
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y), key
        elif isinstance(x, list):
            assert [type(i) for i in x] == [type(i) for i in y], key
            assert x == y, key
        else:
            assert x == y, key


def _same_quantity(x, y):
    assert x.units == y.units
    assert x.dtype == y.dtype and x.shape == y.shape
    assert np.array_equal(x.magnitude, y.magnitude, equal_nan=True)


def assert_same_block(a, b):
    """Two Neo blocks equal in names, annotations, times, values, units and shapes."""
    assert type(a) is type(b)
    assert a.name == b.name
    assert a.description == b.description
    assert a.rec_datetime == b.rec_datetime
    _same_annotations(a.annotations, b.annotations)
    assert len(a.segments) == len(b.segments)
    for sa, sb in zip(a.segments, b.segments):
        assert (sa.name, sa.description, sa.index) == (sb.name, sb.description, sb.index)
        assert sa.rec_datetime == sb.rec_datetime
        assert sa.block is a and sb.block is b
        _same_annotations(sa.annotations, sb.annotations)
        assert len(sa.events) == len(sb.events) == 0
        assert len(sa.spiketrains) == len(sb.spiketrains)
        for ta, tb in zip(sa.spiketrains, sb.spiketrains):
            _same_quantity(ta, tb)
            _same_quantity(ta.t_start, tb.t_start)
            _same_quantity(ta.t_stop, tb.t_stop)
            _same_quantity(ta.sampling_rate, tb.sampling_rate)
            assert ta.name == tb.name
            _same_annotations(ta.annotations, tb.annotations)
            assert ta.array_annotations == tb.array_annotations == {}
            assert ta.segment is sa and tb.segment is sb
        assert len(sa.analogsignals) == len(sb.analogsignals)
        for xa, xb in zip(sa.analogsignals, sb.analogsignals):
            assert xa.name == xb.name
            _same_quantity(xa, xb)
            _same_quantity(xa.t_start, xb.t_start)
            _same_quantity(xa.sampling_rate, xb.sampling_rate)
            _same_quantity(xa.times, xb.times)
            _same_annotations(xa.annotations, xb.annotations)
            assert xa.array_annotations == xb.array_annotations == {}
            assert xa.segment is sa and xb.segment is sb


def _network(n=20, sampling_interval=None):
    """A driven population recording spikes, v and gsyn_exc, and a poisson source."""
    pop = sim.Population(n, sim.IF_cond_exp(), label="pop")
    src = sim.Population(n, sim.SpikeSourcePoisson(rate=200.0), label="src", seed=7)
    sim.Projection(src, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.05, delay=1.0))
    kw = {} if sampling_interval is None else {"sampling_interval": sampling_interval}
    pop.record(["spikes", "v", "gsyn_exc"], **kw)
    src.record("spikes")
    return pop, src


# ---------------------------------------------------------------------------------------------
# file names and schema
# ---------------------------------------------------------------------------------------------
def test_one_database_per_segment_with_the_toolchain_names(reports_in, fresh):
    fresh(1.0)
    pop, _ = _network()
    sim.run(20.0)
    sim.run(10.0)
    sim.reset()
    sim.run(15.0)
    sim.reset(annotations={"trial": 3})
    pop.record(None)
    sim.run(5.0)
    sim.end()
    folder = _simulation_folder(reports_in)
    run = folder / "run_1"
    assert sorted(p.name for p in run.glob("*.sqlite3")) == [
        "data.sqlite3", "data1.sqlite3", "data2.sqlite3"]
    assert not list(run.glob("*-journal")) and not list(run.glob("*-wal"))
    assert recording_db.find_databases(folder) == [
        (0, str(run / "data.sqlite3")), (1, str(run / "data1.sqlite3")),
        (2, str(run / "data2.sqlite3"))]
    with sqlite3.connect(run / "data.sqlite3") as conn:
        assert dict(conn.execute("SELECT key, value FROM info"))["format"] == \
            recording_db.FORMAT_NAME
        assert conn.execute("SELECT segment_number, t_stop_tick, dt, reset_after "
                            "FROM segment").fetchall() == [(0, 30, 1.0, 1)]
        rows = conn.execute("SELECT label, size, first_id, celltype FROM population "
                            "ORDER BY first_id").fetchall()
        assert rows == [("pop", 20, 0, "IF_cond_exp"), ("src", 20, 20, "SpikeSourcePoisson")]
        recorded = conn.execute("SELECT variable, sampling_interval, units, n_indices "
                                "FROM recording JOIN population USING (pop_id) "
                                "WHERE label = 'pop' ORDER BY variable").fetchall()
        assert recorded == [("gsyn_exc", 1, "uS", 20), ("spikes", 1, "ms", 20),
                            ("v", 1, "mV", 20)]
    with sqlite3.connect(run / "data1.sqlite3") as conn:
        assert conn.execute("SELECT segment_number, t_stop_tick, reset_after, annotations "
                            "FROM segment").fetchone() == (1, 15, 1, json.dumps({"trial": 3}))
    with sqlite3.connect(run / "data2.sqlite3") as conn:
        assert conn.execute("SELECT reset_after FROM segment").fetchone() == (0,)
    assert recording_db.population_labels(folder) == ["pop", "src"]


def test_a_new_mapping_after_reset_puts_the_next_segment_in_the_new_run_folder(reports_in,
                                                                                fresh):
    fresh(1.0)
    pop, _ = _network(5)
    sim.run(10.0)
    sim.reset()
    sim.Population(3, sim.IF_curr_exp(), label="late")
    sim.run(10.0)
    expected = pop.get_data()
    sim.end()
    folder = _simulation_folder(reports_in)
    assert (folder / "run_1" / "data.sqlite3").is_file()
    assert (folder / "run_2" / "data1.sqlite3").is_file()
    assert not (folder / "run_2" / "data.sqlite3").exists()
    assert_same_block(recording_db.read_block(folder, "pop"), expected)


def test_no_database_without_reports(tmp_path, monkeypatch, fresh):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYNN_SPINN_VIRTUAL_REPORTS", "0")
    fresh(1.0)
    pop, _ = _network(3)
    sim.run(10.0)
    sim.end()
    assert not list(tmp_path.rglob("*.sqlite3"))
    assert len(pop.get_data().segments[0].spiketrains) == 3      # memory, after end()


# ---------------------------------------------------------------------------------------------
# blocks rebuilt from the database == blocks from get_data()
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sampling_interval", [None, 3.0])
def test_rebuilt_blocks_equal_get_data_after_runs_resets_and_end(reports_in, fresh,
                                                                  sampling_interval):
    fresh(1.0)
    pop, src = _network(sampling_interval=sampling_interval)
    sim.run(25.0)
    sim.run(17.0)
    sim.reset(annotations={"trial": 2, "note": "second"})
    sim.run(31.0)
    folder = _simulation_folder(reports_in)
    during = {label: p.get_data() for label, p in (("pop", pop), ("src", src))}
    view = pop[2:7].get_data(["v", "spikes"])
    for variables in ("all", "spikes", "v", "gsyn_exc", ["v", "spikes"]):
        assert_same_block(recording_db.read_block(folder, "pop", variables),
                          pop.get_data(variables))
    assert_same_block(recording_db.read_block(folder, "src"), during["src"])
    assert_same_block(recording_db.read_block(folder, "pop", ["v", "spikes"],
                                              view_indexes=range(2, 7)), view)
    sim.end()
    for label, block in during.items():
        assert_same_block(recording_db.read_block(folder, label), block)
    after = pop.get_data()                   # still works after end(), identical
    assert_same_block(after, during["pop"])
    assert [s.name for s in after.segments] == ["segment0", "segment1"]
    assert after.segments[0].annotations == {"trial": 2, "note": "second"}
    signal = after.segments[0].filter(name="v")[0]
    interval = 1 if sampling_interval is None else 3
    assert signal.shape == (-(-42 // interval), 20)
    assert signal.sampling_period.rescale(pq.ms) == interval * pq.ms
    assert after.segments[1].spiketrains[0].t_stop == 31.0 * pq.ms
    assert sum(len(st) for st in after.segments[1].spiketrains) > 0
    assert sum(len(st) for st in during["src"].segments[0].spiketrains) > 0


def test_a_single_database_gives_its_segment(reports_in, fresh):
    fresh(1.0)
    pop, _ = _network(4)
    sim.run(10.0)
    sim.reset()
    sim.run(12.0)
    full = pop.get_data()
    sim.end()
    run = _simulation_folder(reports_in) / "run_1"
    only = recording_db.read_block(run / "data1.sqlite3", "pop")
    assert [s.name for s in only.segments] == ["segment1"]
    assert_same_block(only.segments[0].block, only)
    first = recording_db.read_block(run / "data.sqlite3", "pop")
    assert [s.name for s in first.segments] == ["segment0"]
    # the reports folder itself means its (newest) simulation; the run folder works too
    assert_same_block(recording_db.read_block(reports_in, "pop"), full)
    assert_same_block(recording_db.read_block(run, "pop"), full)


def test_placeholders_record_none_and_clear_are_rebuilt(reports_in, fresh):
    fresh(1.0)
    pop, src = _network(6)
    quiet = sim.Population(2, sim.IF_curr_exp(), label="quiet")
    sim.run(10.0)
    sim.reset()
    pop.record(None)                        # segment1: pop records nothing
    quiet.record("v")
    sim.run(10.0)
    sim.reset()
    pop.record("v")
    sim.run(8.0)
    cleared = src.get_data(clear=True)      # src's data so far goes ...
    sim.run(4.0)                            # ... and starts again at 8 ms
    folder = _simulation_folder(reports_in)
    for p in (pop, src, quiet):
        assert_same_block(recording_db.read_block(folder, p.label), p.get_data())
    block = pop.get_data()
    assert [s.description for s in block.segments][1] == "empty"
    assert quiet.get_data().segments[0].description == "empty"
    after_clear = src.get_data().segments[-1].spiketrains[0]
    assert after_clear.t_start == 8.0 * pq.ms
    assert len(cleared.segments) == 3
    sim.end()
    for p in (pop, src, quiet):
        assert_same_block(recording_db.read_block(folder, p.label), p.get_data())


def test_data_population_calls(reports_in, fresh, tmp_path):
    fresh(1.0)
    pop, _ = _network(8)
    sim.run(40.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected_spikes = pop.spinnaker_get_data("spikes")
        expected_v = pop.spinnaker_get_data("v")
        expected_matrix = pop.spinnaker_get_data("v", as_matrix=True)
    expected_counts = pop.get_spike_counts()
    pop.write_data(str(tmp_path / "live.pkl"))
    sim.end()
    data = recording_db.DataPopulation(_simulation_folder(reports_in), "pop")
    assert (data.label, data.size, data.first_id, data.last_id) == ("pop", 8, 0, 7)
    assert data.describe() == pop.describe()
    assert data.recorded_variables() == ["gsyn_exc", "spikes", "v"]
    with pytest.warns(UserWarning, match="non-standard"):
        spikes = data.spinnaker_get_data("spikes")
    assert np.array_equal(spikes, expected_spikes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.array_equal(data.spinnaker_get_data("v"), expected_v)
        assert np.array_equal(data.spinnaker_get_data("v", as_matrix=True), expected_matrix)
    counts = data.get_spike_counts()
    assert counts == expected_counts and all(type(c) is np.int64 for c in counts.values())
    data.write_data(str(tmp_path / "kept.pkl"), annotations={"from": "database"})
    with open(tmp_path / "live.pkl", "rb") as f:
        live = pickle.load(f)
    with open(tmp_path / "kept.pkl", "rb") as f:
        kept = pickle.load(f)
    assert kept.annotations.pop("from") == "database"
    assert_same_block(kept, live)
    with pytest.raises(ConfigurationError, match="did not record 'gsyn_inh'"):
        data.get_data("gsyn_inh")
    with pytest.raises(ConfigurationError, match="cannot record 'u'"):
        data.get_data("u")
    with pytest.raises(ValueError, match="pass a label"):
        recording_db.DataPopulation(_simulation_folder(reports_in))
    with pytest.raises(ValueError, match="no data of a population 'nope'"):
        recording_db.DataPopulation(_simulation_folder(reports_in), "nope")


# ---------------------------------------------------------------------------------------------
# crashes
# ---------------------------------------------------------------------------------------------
def test_a_run_that_raises_keeps_the_earlier_runs(reports_in, fresh, monkeypatch):
    fresh(1.0)
    pop, _ = _network(10)
    sim.run(20.0)
    sim.reset()
    sim.run(15.0)
    sim.run(5.0)
    expected = pop.get_data()
    loaded = sim.simulator.state.loaded
    extract = loaded._extract_recording

    def interrupted(*args):          # the kernel ran a stretch, then ^C
        extract(*args)
        raise KeyboardInterrupt

    monkeypatch.setattr(loaded, "_extract_recording", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sim.run(30.0)
    folder = _simulation_folder(reports_in)
    assert (folder / "errored").is_file()
    # the interrupted run's stretch was written too, but it is not part of the segment
    assert_same_block(recording_db.read_block(folder, "pop"), expected)
    assert_same_block(pop.get_data(), expected)
    # running again redoes those ticks: no duplicated data, in memory or in the database
    monkeypatch.setattr(loaded, "_extract_recording", extract)
    sim.run(30.0)
    again = pop.get_data()
    assert again.segments[1].spiketrains[0].t_stop == 50.0 * pq.ms
    assert again.segments[1].filter(name="v")[0].shape == (50, 10)
    assert_same_block(recording_db.read_block(folder, "pop"), again)


def test_a_raising_callback_keeps_the_data_run_so_far(reports_in, fresh):
    fresh(1.0)
    pop, _ = _network(5)
    seen = []

    def callback(t):
        seen.append(t)
        if t >= 20.0:
            raise RuntimeError("analysis failed")
        return t + 10.0

    with pytest.raises(RuntimeError, match="analysis failed"):
        sim.run(50.0, callbacks=[callback])
    block = recording_db.read_block(_simulation_folder(reports_in), "pop")
    assert block.segments[0].spiketrains[0].t_stop == 20.0 * pq.ms
    assert block.segments[0].filter(name="v")[0].shape == (20, 5)
    assert_same_block(block, pop.get_data())


def test_a_killed_process_keeps_the_data_of_the_runs_before(tmp_path):
    """The process dies (SIGKILL-like: no end(), no cleanup) in its third run."""
    script = textwrap.dedent("""
        import os, pickle
        import pynn_spinn_virtual as sim
        sim.setup(timestep=1.0)
        pop = sim.Population(30, sim.IF_curr_exp(i_offset=1.5), label="pop")
        pop.record(["spikes", "v"])
        sim.run(100.0)
        sim.reset()
        sim.run(60.0)
        with open("expected.pkl", "wb") as f:
            pickle.dump(pop.get_data(), f)
        loaded = sim.simulator.state.loaded
        def killed(*args):
            os._exit(3)
        loaded._extract_recording = killed
        sim.run(50.0)
    """)
    env = dict(os.environ, PYNN_SPINN_VIRTUAL_REPORTS="1", PYNN_SPINN_VIRTUAL_PROGRESS="0")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, check=False,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stderr
    with open(tmp_path / "expected.pkl", "rb") as f:
        expected = pickle.load(f)
    block = recording_db.read_block(tmp_path / "reports", "pop")
    assert_same_block(block, expected)
    assert [len(s.filter(name="v")[0]) for s in block.segments] == [100, 60]
    assert sum(len(st) for st in block.segments[0].spiketrains) > 0


# ---------------------------------------------------------------------------------------------
# writing cost
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("progress", ["0", "1"])
def test_a_long_run_is_written_in_a_handful_of_chunks(reports_in, fresh, monkeypatch,
                                                      progress):
    """10,000 ticks of 1000 neurons (4 cores) recording spikes: one chunk per population,
    one transaction -- even when the progress bar splits the run into 100 stretches."""
    monkeypatch.setenv("PYNN_SPINN_VIRTUAL_PROGRESS", progress)
    fresh(1.0)
    pop = sim.Population(1000, sim.IF_curr_exp(i_offset=np.linspace(0.0, 3.0, 1000)),
                         label="big")
    pop.record("spikes")
    sim.run(10000.0)
    database = sim.simulator.state.reports.recording.segments[0]
    n_spikes = sum(len(st) for st in pop.get_data().segments[0].spiketrains)
    assert n_spikes > 100000
    assert database.n_transactions <= 2
    sim.end()
    path = _simulation_folder(reports_in) / "run_1" / "data.sqlite3"
    with sqlite3.connect(path) as conn:
        chunks = conn.execute("SELECT variable, n_ticks FROM chunk").fetchall()
    assert chunks == [("spikes", n_spikes)]
    # compact: ticks < 2^16 and indices < 2^16 take 2 bytes each
    assert os.path.getsize(path) < 4 * n_spikes + 100000
    assert_same_block(recording_db.read_block(path, "big"), pop.get_data())


def test_runs_of_a_loop_add_one_transaction_each(reports_in, fresh):
    fresh(1.0)
    pop, _ = _network(5)
    for _ in range(10):
        sim.run(3.0)
    database = sim.simulator.state.reports.recording.segments[0]
    assert database.n_transactions == 10
    # one chunk per population and variable and run: pop spikes/v/gsyn_exc, src spikes
    assert database.n_chunks <= 40
    assert_same_block(recording_db.read_block(_simulation_folder(reports_in), "pop"),
                      pop.get_data())


def test_parameters_set_after_the_last_run_and_a_database_that_fails(reports_in, fresh,
                                                                     caplog):
    fresh(1.0)
    pop, _ = _network(4)
    sim.run(10.0)
    pop.set(tau_m=15.0)
    first = pop.get_data()
    database = sim.simulator.state.reports.recording.segments[0]
    database._conn.close()                   # the file can no longer be written
    with caplog.at_level("WARNING", logger="pynn_spinn_virtual"):
        sim.run(10.0)
    assert "can no longer be written" in caplog.text
    assert database.failed
    block = pop.get_data()                   # the simulation goes on, from memory
    assert block.segments[0].spiketrains[0].t_stop == 20.0 * pq.ms
    sim.end()
    # the database keeps what was committed before the failure
    assert_same_block(recording_db.read_block(_simulation_folder(reports_in), "pop"), first)
