"""The Neo structure of get_data(): exactly that of a SpiNNaker hardware run with sPyNNaker 7.x
(spec/frontend.md §2.2-§2.7 and the worked example §2.11), not PyNN's own recorder layout
(§2.12: no `segment000`, no `channel_id`, no `channel_ids`/array_annotations, no N+1 rows,
no `mpi_processes`)."""
from datetime import datetime
import logging
import pickle

import neo
import numpy as np
import pytest
import quantities as pq

import pynn_spinn_virtual as sim
from pynn_spinn_virtual.exceptions import ConfigurationError


pytestmark = pytest.mark.usefixtures("simulation")


def _example(n=2, label="pop", variables=("spikes", "v"), drive=True, **record_kw):
    """§2.11: the first population (first_id 0), recording spikes and v; a source makes
    neuron 0 fire (neuron 1 stays silent)."""
    pop = sim.Population(n, sim.IF_curr_exp(), label=label)
    if drive:
        src = sim.Population(1, sim.SpikeSourceArray(spike_times=[0.0, 1.0, 2.0, 3.0]),
                             label=f"{label}_in")
        sim.Projection(src, pop[0:1], sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=20.0, delay=1), label=f"{label}_drive")
    pop.record(list(variables), **record_kw)
    return pop


BLOCK_KEYS = ["size", "first_index", "last_index", "first_id", "last_id", "label", "simulator",
              "dt"]


# ---------------------------------------------------------------------------------------------
# §2.11 the worked example, attribute by attribute
# ---------------------------------------------------------------------------------------------
def test_block_of_the_worked_example():
    pop = _example()
    sim.run(10)
    block = pop.get_data()
    assert isinstance(block, neo.Block)
    assert block.name == "pop"
    assert block.description == pop.describe()
    assert block.description.splitlines()[0] == 'Population "pop"'
    assert list(block.annotations) == BLOCK_KEYS          # in this order
    assert block.annotations == {
        "size": 2, "first_index": 0, "last_index": (2,), "first_id": 0, "last_id": (2,),
        "label": "pop", "simulator": sim.name(), "dt": 1.0}
    assert isinstance(block.annotations["last_index"], tuple)
    assert isinstance(block.annotations["last_id"], tuple)
    assert isinstance(block.annotations["dt"], float)
    assert isinstance(block.annotations["size"], int)
    assert "mpi_processes" not in block.annotations
    assert isinstance(block.rec_datetime, datetime)
    assert block.rec_datetime == block.segments[0].rec_datetime
    assert len(block.segments) == 1


def test_segment_of_the_worked_example():
    pop = _example()
    before = datetime.now()
    sim.run(10)
    block = pop.get_data()
    seg = block.segments[0]
    assert seg.name == "segment0"
    assert seg.description == block.description
    assert seg.index is None
    assert seg.annotations == {}
    assert isinstance(seg.rec_datetime, datetime)
    assert before <= seg.rec_datetime <= datetime.now()
    assert len(seg.events) == 0
    assert len(seg.irregularlysampledsignals) == 0
    assert len(seg.analogsignals) == 1
    assert seg.block is block


def test_spiketrains_of_the_worked_example():
    pop = _example()
    sim.run(10)
    seg = pop.get_data().segments[0]
    trains = seg.spiketrains
    assert len(trains) == 2, "one SpikeTrain per neuron, silent ones included"
    assert len(trains[0]) > 0 and len(trains[1]) == 0
    for i, st in enumerate(trains):
        assert isinstance(st, neo.SpikeTrain)
        assert st.dtype == np.float64
        assert st.units == pq.ms
        assert st.t_start == 0.0 * pq.ms and st.t_start.units == pq.ms
        assert st.t_stop == 10.0 * pq.ms
        assert st.sampling_rate == 1000.0 * pq.Hz and st.sampling_rate.units == pq.Hz
        assert st.annotations == {"source_population": "pop", "source_id": i,
                                  "source_index": i}
        assert type(st.annotations["source_id"]) is int
        assert type(st.annotations["source_index"]) is int
        assert "channel_id" not in st.annotations
        assert st.array_annotations == {}
        assert st.name is None
        times = st.magnitude
        assert np.all(np.diff(times) > 0), "sorted"
        assert np.array_equal(times, np.round(times)), "whole ticks at dt=1"
        assert np.all((times >= 0) & (times <= 9))
        assert st.segment is seg


def test_analogsignal_of_the_worked_example():
    pop = _example()
    sim.run(10)
    seg = pop.get_data().segments[0]
    sig = seg.analogsignals[0]
    assert isinstance(sig, neo.AnalogSignal)
    assert sig.name == "v"
    assert sig.shape == (10, 2), "N rows for N ticks (not N+1 as PyNN's recorder)"
    assert sig.dtype == np.float64
    assert sig.units == pq.mV
    assert sig.sampling_rate == 1000.0 * pq.Hz and sig.sampling_rate.units == pq.Hz
    assert str(sig.sampling_period.dimensionality) == "1/Hz"
    assert float(sig.sampling_period.rescale(pq.s).magnitude) == pytest.approx(0.001)
    assert sig.t_start == 0.0 * pq.ms and sig.t_start.units == pq.ms
    assert float(sig.t_stop.rescale(pq.ms).magnitude) == pytest.approx(10.0)
    assert list(sig.annotations) == ["source_population", "source_ids", "channel_names"]
    assert sig.annotations["source_population"] == "pop"
    ids = sig.annotations["source_ids"]
    assert isinstance(ids, list) and ids == [0, 1]
    assert all(type(i) is np.int64 for i in ids)
    names = sig.annotations["channel_names"]
    assert isinstance(names, np.ndarray) and np.issubdtype(names.dtype, np.integer)
    assert names.tolist() == [0, 1]
    assert sig.array_annotations == {}
    assert "channel_index" not in sig.annotations and "channel_ids" not in sig.annotations
    v = sig.magnitude
    assert np.all(v[0] == -65.0), "row 0 is the initial value (pre-update recording)"
    assert np.array_equal(sig.times.rescale(pq.ms).magnitude, np.arange(10.0))
    assert sig.segment is seg


def test_gsyn_signals_units_and_order():
    pop = _example(variables=("gsyn_inh", "v", "gsyn_exc", "spikes"))
    sim.run(5)
    seg = pop.get_data().segments[0]
    # "all": alphabetical, as sPyNNaker's database lists them
    assert [s.name for s in seg.analogsignals] == ["gsyn_exc", "gsyn_inh", "v"]
    units = {s.name: s.units for s in seg.analogsignals}
    assert units["gsyn_exc"] == pq.uS and units["gsyn_inh"] == pq.uS, "uS even for curr models"
    assert units["v"] == pq.mV
    for s in seg.analogsignals:
        assert s.shape == (5, 2)
        assert s.array_annotations == {}
        assert set(s.annotations) == {"source_population", "source_ids", "channel_names"}
    given = pop.get_data(["v", "gsyn_inh"]).segments[0]
    assert [s.name for s in given.analogsignals] == ["v", "gsyn_inh"]     # as asked
    assert np.all(seg.filter(name="gsyn_exc")[0].magnitude[0] == 0.0)


def test_ids_in_annotations_follow_the_global_id_counter():
    sim.Population(5, sim.IF_curr_exp(), label="first")
    pop = _example(n=3, label="second")      # ids 5, 6, 7
    sim.run(3)
    block = pop.get_data()
    assert block.annotations["first_id"] == 5
    assert block.annotations["last_id"] == (8,)
    assert block.annotations["last_index"] == (3,)
    seg = block.segments[0]
    assert [st.annotations["source_id"] for st in seg.spiketrains] == [5, 6, 7]
    assert [st.annotations["source_index"] for st in seg.spiketrains] == [0, 1, 2]
    assert seg.analogsignals[0].annotations["source_ids"] == [5, 6, 7]
    assert seg.analogsignals[0].annotations["channel_names"].tolist() == [0, 1, 2]


def test_spike_times_are_multiples_of_dt_at_small_timesteps():
    sim.setup(timestep=0.1)
    pop = sim.Population(2, sim.IF_curr_exp(i_offset=np.array([3.0, 4.1])), label="fast")
    pop.record(["spikes", "v"])
    sim.run(30.0)
    seg = pop.get_data().segments[0]
    for st in seg.spiketrains:
        assert len(st) > 0
        ticks = st.magnitude / 0.1
        assert np.allclose(ticks, np.round(ticks), rtol=0, atol=1e-9)
        assert st.sampling_rate == 10000.0 * pq.Hz
        assert st.t_stop == 30.0 * pq.ms
    sig = seg.analogsignals[0]
    assert sig.shape == (300, 2)
    assert sig.sampling_rate == 10000.0 * pq.Hz
    assert float(sig.sampling_period.rescale(pq.s).magnitude) == pytest.approx(0.0001)
    assert pop.get_data().annotations["dt"] == 0.1


# ---------------------------------------------------------------------------------------------
# §2.2 details: annotations= and Population.annotate()
# ---------------------------------------------------------------------------------------------
def test_get_data_annotations_come_after_the_standard_ones():
    """sPyNNaker's keys first, then annotate() values (kept as PyNN's backends keep them,
    docs/neo_output.md), then the call's annotations."""
    pop = _example()
    sim.run(2)
    block = pop.get_data(annotations={"extra": 1, "name": "x"})
    assert list(block.annotations) == BLOCK_KEYS + ["extra", "name"]
    pop.annotate(experiment="kept")
    block = pop.get_data(annotations={"extra": 1})
    assert list(block.annotations) == BLOCK_KEYS + ["experiment", "extra"]
    assert block.annotations["experiment"] == "kept"


# ---------------------------------------------------------------------------------------------
# §2.6 sampling_interval
# ---------------------------------------------------------------------------------------------
def test_sampling_interval_2_ms():
    pop = _example(variables=("spikes", "v", "gsyn_exc"), sampling_interval=2.0)
    sim.run(10)
    seg = pop.get_data().segments[0]
    for sig in seg.analogsignals:
        assert sig.shape == (5, 2), "every 2nd tick"
        assert sig.sampling_rate == 500.0 * pq.Hz
        assert float(sig.sampling_period.rescale(pq.s).magnitude) == pytest.approx(0.002)
        assert np.array_equal(sig.times.rescale(pq.ms).magnitude, [0.0, 2.0, 4.0, 6.0, 8.0])
    for st in seg.spiketrains:
        assert st.sampling_rate == 500.0 * pq.Hz
    # the sampled rows are the same values as the unsampled recording at those ticks
    v2 = seg.filter(name="v")[0].magnitude
    sim.setup(timestep=1.0)
    full = _example(variables=("v",))
    sim.run(10)
    v1 = full.get_data().segments[0].analogsignals[0].magnitude
    assert np.array_equal(v2, v1[::2])


def test_sampling_interval_must_be_a_multiple_of_dt():
    pop = sim.Population(2, sim.IF_curr_exp(), label="p")
    with pytest.raises(ConfigurationError, match="integer multiple of the simulation timestep"):
        pop.record("v", sampling_interval=0.5)
    with pytest.raises(ConfigurationError, match="integer multiple"):
        pop.record("v", sampling_interval=2.5)
    pop.record("v", sampling_interval=3.0)
    # one interval per variable (spec §2.6): another variable may have its own ...
    pop.record("gsyn_exc", sampling_interval=2.0)
    # ... but not part of the same variable
    with pytest.raises(ConfigurationError, match="multiple sampling_intervals for v"):
        pop[0:1].record("v", sampling_interval=2.0)


# ---------------------------------------------------------------------------------------------
# §2.7 multiple runs, reset, clear
# ---------------------------------------------------------------------------------------------
def test_two_runs_append_to_one_segment():
    pop = _example()
    sim.run(10)
    sim.run(10)
    block = pop.get_data()
    assert len(block.segments) == 1
    seg = block.segments[0]
    assert seg.name == "segment0"
    assert seg.analogsignals[0].shape == (20, 2)
    assert float(seg.analogsignals[0].t_stop.rescale(pq.ms).magnitude) == pytest.approx(20.0)
    for st in seg.spiketrains:
        assert st.t_stop == 20.0 * pq.ms and st.t_start == 0.0 * pq.ms


def test_reset_starts_segment1_from_the_initial_state(caplog):
    pop = _example()
    sim.run(10)
    sim.run(10)
    sim.reset()
    with caplog.at_level(logging.WARNING, logger="pynn_spinn_virtual"):
        just_after = pop.get_data()
    assert [s.name for s in just_after.segments] == ["segment0"], "the new segment is omitted"
    assert "directly after reset" in caplog.text
    sim.run(10)
    block = pop.get_data()
    assert [s.name for s in block.segments] == ["segment0", "segment1"]
    seg0, seg1 = block.segments
    assert seg1.description == block.description and seg1.index is None
    assert seg1.annotations == {}
    assert seg1.rec_datetime >= seg0.rec_datetime
    assert block.rec_datetime == seg0.rec_datetime
    assert seg0.analogsignals[0].shape == (20, 2)
    assert seg1.analogsignals[0].shape == (10, 2)
    assert seg0.spiketrains[0].t_stop == 20.0 * pq.ms
    assert seg1.spiketrains[0].t_stop == 10.0 * pq.ms
    assert seg1.analogsignals[0].t_start == 0.0 * pq.ms
    assert np.all(seg1.analogsignals[0].magnitude[0] == -65.0)
    assert np.array_equal(seg1.analogsignals[0].magnitude, seg0.analogsignals[0].magnitude[:10])
    assert [list(s.magnitude) for s in seg1.spiketrains] == \
        [[t for t in s.magnitude if t < 10] for s in seg0.spiketrains]


def test_population_that_did_not_record_in_an_earlier_segment_gets_a_placeholder():
    pop = _example()
    quiet = sim.Population(2, sim.IF_curr_exp(), label="quiet")
    sim.run(5)
    sim.reset()
    late = sim.Population(1, sim.IF_curr_exp(), label="late")
    late.record("v")
    quiet.record("v")
    sim.run(5)
    for p in (late, quiet):
        block = p.get_data()
        assert [s.name for s in block.segments] == ["segment0", "segment1"]
        assert block.segments[0].description == "empty"
        assert len(block.segments[0].analogsignals) == 0
        assert block.segments[1].analogsignals[0].shape == (5, p.size)
    assert len(pop.get_data().segments) == 2


def test_clear_true_returns_the_data_then_empties_it():
    pop = _example()
    sim.run(10)
    first = pop.get_data(clear=True)
    assert first.segments[0].analogsignals[0].shape == (10, 2)
    assert len(first.segments[0].spiketrains[0]) > 0
    after = pop.get_data().segments[0]
    sig = after.analogsignals[0]
    assert sig.shape == (0, 2), "an empty signal, not a missing one"
    assert sig.t_start == 10.0 * pq.ms
    assert sig.annotations["channel_names"].tolist() == [0, 1]
    assert [len(st) for st in after.spiketrains] == [0, 0]
    assert all(st.t_start == 10.0 * pq.ms and st.t_stop == 10.0 * pq.ms
               for st in after.spiketrains)
    sim.run(5)
    seg = pop.get_data().segments[0]
    assert seg.analogsignals[0].shape == (5, 2)
    assert seg.analogsignals[0].t_start == 10.0 * pq.ms
    assert float(seg.analogsignals[0].t_stop.rescale(pq.ms).magnitude) == pytest.approx(15.0)
    for st in seg.spiketrains:
        assert st.t_start == 10.0 * pq.ms and st.t_stop == 15.0 * pq.ms
        assert np.all(st.magnitude >= 10.0)


# ---------------------------------------------------------------------------------------------
# views, pickling, virtual "no data" cases
# ---------------------------------------------------------------------------------------------
def test_data_of_a_population_view():
    sim.Population(3, sim.IF_curr_exp(), label="before")       # ids 0..2
    pop = sim.Population(5, sim.IF_curr_exp(i_offset=np.linspace(0, 4, 5)), label="pop")
    pop.record(["spikes", "v"])
    sim.run(20)
    view = pop[1:4:2]                                           # indexes 1, 3
    block = view.get_data()
    assert block.name == "pop", "blocks from views are named after the parent"
    assert list(block.annotations) == BLOCK_KEYS
    assert block.annotations["size"] == 5 and block.annotations["first_id"] == 3
    seg = block.segments[0]
    assert [st.annotations for st in seg.spiketrains] == [
        {"source_population": "pop", "source_id": 4, "source_index": 1},
        {"source_population": "pop", "source_id": 6, "source_index": 3}]
    sig = seg.analogsignals[0]
    assert sig.shape == (20, 2)
    assert sig.annotations["source_ids"] == [4, 6]
    assert sig.annotations["channel_names"].tolist() == [1, 3]
    full = pop.get_data().segments[0].analogsignals[0].magnitude
    assert np.array_equal(sig.magnitude, full[:, [1, 3]])


def test_recording_a_view_records_only_its_neurons():
    pop = sim.Population(4, sim.IF_curr_exp(), label="pop")
    pop[2:4].record(["v", "spikes"])
    sim.run(3)
    seg = pop.get_data().segments[0]
    assert [st.annotations["source_index"] for st in seg.spiketrains] == [2, 3]
    assert seg.analogsignals[0].annotations["channel_names"].tolist() == [2, 3]
    assert seg.analogsignals[0].shape == (3, 2)


def test_block_survives_a_pickle_round_trip(tmp_path):
    pop = _example(variables=("spikes", "v", "gsyn_exc"))
    sim.run(10)
    sim.reset()
    sim.run(5)
    block = pop.get_data()
    copy = pickle.loads(pickle.dumps(block))
    assert copy.name == block.name and copy.description == block.description
    assert copy.annotations == block.annotations
    assert list(copy.annotations) == BLOCK_KEYS
    assert copy.annotations["last_index"] == (2,)
    assert [s.name for s in copy.segments] == ["segment0", "segment1"]
    for s_a, s_b in zip(block.segments, copy.segments):
        assert s_a.rec_datetime == s_b.rec_datetime
        for a, b in zip(s_a.spiketrains, s_b.spiketrains):
            assert a.annotations == b.annotations
            assert np.array_equal(a.magnitude, b.magnitude) and a.t_stop == b.t_stop
        for a, b in zip(s_a.analogsignals, s_b.analogsignals):
            assert a.name == b.name and a.units == b.units
            assert np.array_equal(a.magnitude, b.magnitude)
            assert a.annotations["source_ids"] == b.annotations["source_ids"]
            assert np.array_equal(a.annotations["channel_names"], b.annotations["channel_names"])
    path = tmp_path / "block.pkl"
    pop.write_data(str(path))
    from_file = neo.io.PickleIO(str(path)).read_block()
    assert from_file.annotations == block.annotations


def test_get_data_before_any_run_has_no_segments():
    pop = _example()
    block = pop.get_data()
    assert block.name == "pop" and len(block.segments) == 0
    assert list(block.annotations) == BLOCK_KEYS
