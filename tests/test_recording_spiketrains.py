"""The SpikeTrains get_data() builds without Neo's constructor (recording._like_spiketrain)
are the objects the constructor makes: same class, values, dtype, units, attributes."""
import pickle

import neo
import numpy as np
import quantities as pq

from pynn_spinn_virtual import recording


def _attributes(train):
    out = {}
    for key, value in vars(train).items():
        if isinstance(value, pq.Quantity):
            out[key] = (type(value), value.dtype, str(value.dimensionality),
                        np.asarray(value).tolist())
        elif key == "array_annotations":
            out[key] = (type(value), dict(value), value.length)
        elif key == "_dimensionality":
            out[key] = (type(value), str(value), dict(value))
        else:
            out[key] = (type(value), value)
    return out


def _same(fast, slow):
    assert type(fast) is type(slow)
    assert fast.dtype == slow.dtype and fast.shape == slow.shape
    assert np.array_equal(fast.magnitude, slow.magnitude)
    assert fast.units == slow.units
    assert _attributes(fast) == _attributes(slow)
    assert fast.t_start is not slow.t_start and fast._dimensionality is not slow._dimensionality


def test_like_spiketrain_matches_the_constructor():
    rate = 1000.0 * pq.Hz
    t_start, t_stop = 3.0 * pq.ms, 250.0 * pq.ms
    template = neo.SpikeTrain(np.array([5.0, 7.0]), units="ms", t_start=t_start, t_stop=t_stop,
                              sampling_rate=rate, source_population="p", source_id=10,
                              source_index=0)
    for times in (np.array([4.0, 9.0, 249.0]), np.zeros(0)):
        slow = neo.SpikeTrain(times.copy(), units="ms", t_start=t_start, t_stop=t_stop,
                              sampling_rate=rate, source_population="p", source_id=12,
                              source_index=2)
        fast = recording._like_spiketrain(template, times.copy(), source_population="p",
                                          source_id=12, source_index=2)
        _same(fast, slow)
        _same(pickle.loads(pickle.dumps(fast)), pickle.loads(pickle.dumps(slow)))
        # behaves the same: slicing, rescaling, time_slice
        _same(fast[1:], slow[1:])
        _same(fast.rescale("s"), slow.rescale("s"))
        if len(times):
            _same(fast.time_slice(5.0 * pq.ms, 200.0 * pq.ms),
                  slow.time_slice(5.0 * pq.ms, 200.0 * pq.ms))


def test_spiketrains_of_a_segment_match_the_constructor():
    info = recording.PopulationInfo("pop", 4, 7, "desc", "sim", 0.5)
    seg = recording.SegmentData(0)
    seg.end_tick = 40
    seg.spike_ticks = [np.array([3, 1, 30, 3], dtype=np.int64)]
    seg.spike_atoms = [np.array([0, 2, 2, 3], dtype=np.int64)]
    indices = np.array([0, 1, 2, 3], dtype=np.int64)
    t_start, t_stop = 0.0 * pq.ms, 20.0 * pq.ms
    trains = recording._spiketrains(info, seg, indices, 1, t_start, t_stop)
    expected = {0: [1.5], 1: [], 2: [0.5, 15.0], 3: [1.5]}
    for i, train in zip(indices, trains):
        slow = neo.SpikeTrain(np.array(expected[int(i)], dtype=float), units="ms",
                              t_start=t_start, t_stop=t_stop, sampling_rate=2000.0 * pq.Hz,
                              source_population="pop", source_id=7 + int(i),
                              source_index=int(i))
        _same(train, slow)
