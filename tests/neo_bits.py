"""Reading the Neo data of a run back as s16.15 bit patterns and spike ticks, and comparing
them bit for bit, for the end-to-end bit-exactness tests."""
import numpy as np


def first_mismatch(got, exp):
    """A message locating the first difference of two (tick x neuron) arrays."""
    idx = np.argwhere(got != exp)
    t, j = (int(x) for x in idx[0])
    return (f"{len(idx)} mismatching entries; first at tick {t}, neuron {j}: got {got[t, j]} "
            f"({float(got[t, j]) / 32768}) expected {exp[t, j]} ({float(exp[t, j]) / 32768}); "
            f"row got {got[t].tolist()} expected {exp[t].tolist()}")


def assert_bits_equal(got, exp, what):
    got = np.asarray(got, dtype=np.int64)
    exp = np.asarray(exp, dtype=np.int64)
    assert got.shape == exp.shape, f"{what}: shape {got.shape}, expected {exp.shape}"
    assert np.array_equal(got, exp), f"{what}: {first_mismatch(got, exp)}"


def signal_bits(segment, name, units):
    """The AnalogSignal `name` in `units` as s16.15 integers (checked to be multiples)."""
    sigs = segment.filter(name=name)
    assert len(sigs) == 1, f"expected one AnalogSignal named {name}, got {len(sigs)}"
    values = np.asarray(sigs[0].rescale(units).magnitude, dtype=np.float64)
    bits = np.round(values * 32768)
    assert np.array_equal(bits / 32768, values), f"{name} values are not S16.15 multiples"
    return bits.astype(np.int64)


def spike_ticks(segment, dt):
    """Per spike train, the sorted tick indices WITH multiplicity (checked to be on ticks)."""
    out = []
    for st in segment.spiketrains:
        times = np.asarray(st.rescale("ms").magnitude, dtype=np.float64)
        ticks = np.round(times / dt).astype(np.int64)
        assert np.allclose(times, ticks * dt, rtol=0, atol=1e-9), f"spike times {times} not k*dt"
        out.append(sorted(ticks.tolist()))
    return out


def assert_segment_matches(segment, ref_pop, n_ticks, dt, what):
    """Every recorded value (v, gsyn_exc, gsyn_inh) and every spike tick of a Neo segment,
    bit for bit against a reference population of the same size that ran `n_ticks`."""
    n = ref_pop.n
    for name, units, exp in (("v", "mV", ref_pop.v), ("gsyn_exc", "uS", ref_pop.gsyn_exc),
                             ("gsyn_inh", "uS", ref_pop.gsyn_inh)):
        exp = np.asarray(exp, dtype=np.int64)
        assert exp.shape == (n_ticks, n), f"{what}: reference {name} shape {exp.shape}"
        assert_bits_equal(signal_bits(segment, name, units), exp, f"{what} {name}")
    got = spike_ticks(segment, dt)
    assert len(got) == n, f"{what}: {len(got)} spike trains for {n} neurons"
    for j in range(n):
        expected = sorted(ref_pop.spikes[j])
        assert got[j] == expected, (
            f"{what} spikes of neuron {j}: got ticks {got[j]}, expected {expected}")
