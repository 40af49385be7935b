"""SpikeSourcePoisson cores of the C kernel (spec/kernel.md §7.2, 5.x/6.x column).

The KISS generator, Knuth's method (fast regime), the von Neumann exponential variate and
the slow regime's time_to_spike bookkeeping are re-written here in a few lines of Python
from §7.2 and compared with the kernel draw by draw; the Gaussian ("faster") regime, which
needs spinn_common's norminv table, is checked through its generator consumption and its
statistics.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernel_module import load_kernel


K = load_kernel()
S = 1 << 15
FOREVER = 0xFFFFFFFF
M32 = 0xFFFFFFFF
SEED = [123456789, 362436069, 521288629, 7654321]

# ---- §7.2 in a few lines ---------------------------------------------------------------------


def kiss(st):
    x, y, z, c = st
    x = (314527869 * x + 1234567) & M32
    y ^= (y << 5) & M32
    y ^= y >> 7
    y ^= (y << 22) & M32
    t = 4294584393 * z + c
    c, z = t >> 32, t & M32
    st[:] = [x, y, z, c]
    return (x + y + z) & M32


def exp_variate(st):
    a = 0
    while True:
        u = kiss(st)
        u0 = u
        while True:
            u_star = kiss(st)
            if u < u_star:
                return a + (u0 >> 17)
            u = kiss(st)
            if not u < u_star:
                break
        a += S


def isi(st, mean_isi):
    p = (exp_variate(st) * 1000) & M32
    p = p - (1 << 32) if p >= 1 << 31 else p
    value = ((p >> 15) + ((p >> 14) & 1)) & M32          # (uint32) roundk(E * 1000, 15)
    return (value * mean_isi) & M32


def knuth(st, eml):
    if eml == 0:
        return 0
    p, k = M32, 0
    while True:
        k += 1
        p = (p * kiss(st)) >> 32
        if not p > eml:
            return k - 1


def reference(sources, seed, ticks, schedule=None):
    """Counts [tick][source] of fast (Knuth) and slow sources, final sources and state."""
    st = list(seed)
    src = [dict(zip(s.dtype.names, map(int, s))) for s in sources]
    counts = []
    for t in ticks:
        row = []
        for i, s in enumerate(src):
            n = 0
            if s["start_tick"] <= t < s["end_tick"]:
                if s["is_fast"]:
                    assert s["sqrt_lambda"] <= 0, "the reference has no Gaussian regime"
                    n = knuth(st, s["exp_minus_lambda"])
                elif s["mean_isi_ticks"]:
                    while s["time_to_spike"] < 1000:
                        n += 1
                        s["time_to_spike"] = (s["time_to_spike"]
                                              + isi(st, s["mean_isi_ticks"])) & M32
                    s["time_to_spike"] -= 1000
            row.append(n)
            if ((t + 1) & M32) >= s["next_tick"] and schedule is not None:
                entries = schedule[i]
                if s["rate_index"] + 1 < len(entries):
                    index = s["rate_index"] + 1
                    s.update(entries[index])
                    s["rate_index"] = index
                    if not s["is_fast"]:
                        s["time_to_spike"] = isi(st, s["mean_isi_ticks"])
        counts.append(row)
    return counts, src, st


# ---- building ------------------------------------------------------------------------------------


def sources(n, **fields):
    arr = np.zeros(n, K.poisson_dtype("source"))
    arr["end_tick"] = FOREVER
    arr["next_tick"] = FOREVER
    for k, v in fields.items():
        arr[k] = v
    return arr


def fast(lam):
    return dict(is_fast=1, exp_minus_lambda=min(M32, round(math.exp(-lam) * 2 ** 32)))


def faster(lam):
    return dict(is_fast=1, exp_minus_lambda=round(math.exp(-lam) * 2 ** 32),
                sqrt_lambda=int(math.sqrt(lam) * S))


def slow(lam):
    return dict(is_fast=0, mean_isi_ticks=int(1.0 / lam) if lam > 0 else 0)


class PoissonCore:
    def __init__(self, srcs, seed=SEED, n_ticks=64, first=0, net=None, **kw):
        self.net = net or K.Network(n_threads=1)
        self.rng = np.array(seed, np.uint32)
        self.sources = srcs
        self.core = self.net.add_poisson_core(len(srcs), self.rng, srcs, **kw)
        self.counts = np.zeros((n_ticks, len(srcs)), np.uint16)
        self.net.set_recording(self.core, spikes=self.counts, spikes_first_tick=first)


# ---- the generator and the exact regimes ---------------------------------------------------------------


def test_kiss_stream_of_a_seed():
    """The first words of §7.2's generator for the seed, as the kernel draws them: a fast
    source with exp(-lambda) = 0xFFFFFFFE stops after one factor unless the word is
    0xFFFFFFFF, so it consumes one word per tick; the state after 20 ticks is the state
    after 20 words."""
    pc = PoissonCore(sources(1, is_fast=1, exp_minus_lambda=M32 - 1))
    pc.net.run(0, 20)
    st = list(SEED)
    words = [kiss(st) for _ in range(20)]
    assert pc.rng.tolist() == st
    # the first words of spinn_common's mars_kiss64_seed for this seed (compiled for ARMv5TE)
    assert words[:5] == [2529356973, 2824767067, 2537604166, 792367441, 1430733830]
    assert pc.counts[:20].sum() == 0


def test_fast_regime_matches_knuth_draw_by_draw():
    srcs = sources(5)
    for i, lam in enumerate([0.5, 2.0, 0.01, 9.9, 0.0]):
        for k, v in fast(lam).items():
            srcs[i][k] = v
    srcs[4]["exp_minus_lambda"] = 0                # exp(-lambda) == 0: no draw, no spike
    expected, _, st = reference(srcs, SEED, range(60))
    pc = PoissonCore(srcs, n_ticks=60)
    pc.net.run(0, 60)
    assert pc.counts.tolist() == expected
    assert pc.rng.tolist() == st
    assert pc.counts[:, 1].sum() > 60


def test_slow_regime_matches_the_von_neumann_reference():
    srcs = sources(4, is_fast=0)
    srcs["mean_isi_ticks"] = [3, 200, 1, 0]          # 0: silent
    srcs["time_to_spike"] = [0, 2500, 999, 0]
    expected, ref_src, st = reference(srcs, SEED, range(64))
    pc = PoissonCore(srcs)
    pc.net.run(0, 64)
    assert pc.counts.tolist() == expected
    assert pc.rng.tolist() == st
    assert pc.sources["time_to_spike"].tolist() == [s["time_to_spike"] for s in ref_src]
    assert pc.counts[:, 2].max() >= 1 and pc.counts[:, 3].sum() == 0


def test_faster_regime_draws_one_word_per_active_source_per_tick():
    srcs = sources(3, **faster(30.0))
    srcs["start_tick"] = [0, 5, 0]
    srcs["end_tick"] = [FOREVER, 9, 3]
    pc = PoissonCore(srcs, n_ticks=20)
    pc.net.run(0, 20)
    st = list(SEED)
    for _ in range(20 + 4 + 3):
        kiss(st)
    assert pc.rng.tolist() == st
    # start/end to the tick: a count of about 30 every active tick, none elsewhere
    active = pc.counts > 0
    assert active[:, 0].all()
    assert active[:, 1].tolist() == [5 <= t < 9 for t in range(20)]
    assert active[:, 2].tolist() == [t < 3 for t in range(20)]


def test_start_and_end_are_honoured_to_the_tick_in_every_regime():
    srcs = sources(3)
    for i, params in enumerate([fast(3.0), slow(0.009), faster(16.0)]):
        for k, v in params.items():
            srcs[i][k] = v
    srcs["start_tick"] = 10
    srcs["end_tick"] = 20
    srcs[1]["time_to_spike"] = 5                   # slow: a spike at the first active tick
    pc = PoissonCore(srcs, n_ticks=30)
    pc.net.run(0, 30)
    assert pc.counts[:10].sum() == 0 and pc.counts[20:].sum() == 0
    assert pc.counts[10, 1] == 1
    assert (pc.counts[10:20, 2] > 0).all()
    assert pc.sources[1]["time_to_spike"] != 5     # slow bookkeeping ran while active


def test_end_forever_and_the_last_ticks():
    """end_tick 0xFFFFFFFF: active up to tick 2^32 - 2 (tick 2^32 - 1 is not < end)."""
    srcs = sources(1, **faster(16.0))
    pc = PoissonCore(srcs, n_ticks=10, first=(1 << 32) - 10)
    pc.net.run((1 << 32) - 10, 10)
    assert (pc.counts[:9] > 0).all() and pc.counts[9, 0] == 0


# ---- statistics ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("regime, lam, n_ticks, expected_mean, tolerance", [
    ("fast", 0.5, 100, 0.5, 0.03),
    ("fast", 5.0, 50, 5.0, 0.1),
    ("faster", 25.0, 50, 25.25, 0.3),           # E[(z/2 + sqrt(lam))^2] = lam + 1/4
    ("faster", 100.0, 20, 100.25, 0.6),
    ("slow", 0.005, 2000, 0.005, 0.0005),
])
def test_mean_counts_per_regime(regime, lam, n_ticks, expected_mean, tolerance):
    params = {"fast": fast, "faster": faster, "slow": slow}[regime](lam)
    srcs = sources(256, **params)
    pc = PoissonCore(srcs, n_ticks=n_ticks)
    if regime == "slow":
        pc.net.poisson_load(pc.core)
        assert (srcs["time_to_spike"] > 0).mean() > 0.9      # 0 only when E * 1000 < 0.5
    pc.net.run(0, n_ticks)
    mean = pc.counts.astype(np.float64).mean()
    assert abs(mean - expected_mean) < tolerance, mean
    if regime != "slow":
        # Poisson-like spread: the variance of the counts is close to the mean
        assert abs(pc.counts.var() / expected_mean - 1.0) < 0.15


# ---- determinism, splits, reset -------------------------------------------------------------------------


def mixed_sources(n=40, seed=7):
    rs = np.random.RandomState(seed)
    srcs = sources(n)
    for i in range(n):
        lam = rs.choice([0.0, 0.003, 0.02, 0.7, 4.0, 15.0, 60.0])
        params = slow(lam) if lam < 0.01 else fast(lam) if lam < 10 else faster(lam)
        for k, v in params.items():
            srcs[i][k] = v
    srcs["start_tick"] = rs.randint(0, 10, n)
    srcs["end_tick"] = np.where(rs.rand(n) < 0.5, FOREVER, rs.randint(20, 60, n))
    return srcs


def run_mixed(splits, n_threads=1):
    srcs = mixed_sources()
    net = K.Network(n_threads=n_threads)
    pcs = [PoissonCore(srcs.copy(), seed=[1 + k, 2, 3, 4 + k], n_ticks=80, net=net)
           for k in range(3)]
    for pc in pcs:
        net.poisson_load(pc.core)
    tick = 0
    for n in splits:
        net.run(tick, n)
        tick += n
    return [(pc.counts.copy(), pc.rng.copy(), pc.sources.copy()) for pc in pcs]


def assert_same_runs(a, b):
    for (ca, ra, sa), (cb, rb, sb) in zip(a, b):
        assert np.array_equal(ca, cb) and np.array_equal(ra, rb) and np.array_equal(sa, sb)


def test_determinism_across_runs_and_thread_counts():
    one = run_mixed((80,))
    assert sum(c.sum() for c, _, _ in one) > 0
    assert_same_runs(one, run_mixed((80,)))
    assert_same_runs(one, run_mixed((80,), n_threads=2))
    assert_same_runs(one, run_mixed((80,), n_threads=4))


def test_split_runs_give_the_same_result():
    whole = run_mixed((80,))
    assert_same_runs(whole, run_mixed((1, 30, 0, 49)))
    assert_same_runs(whole, run_mixed((40, 40), n_threads=2))


def test_state_reset_from_python():
    srcs = mixed_sources()
    pc = PoissonCore(srcs, n_ticks=50)
    pc.net.poisson_load(pc.core)
    rng0, src0 = pc.rng.copy(), pc.sources.copy()
    pc.net.run(0, 50)
    first = pc.counts.copy()
    assert not np.array_equal(pc.rng, rng0)
    pc.rng[:] = rng0                     # Python owns the state: restore it in place
    pc.sources[:] = src0
    pc.counts[:] = 0
    pc.net.run(0, 50)
    assert np.array_equal(pc.counts, first)


def test_recorded_rows_and_first_tick():
    srcs = sources(3, **faster(16.0))
    pc = PoissonCore(srcs, n_ticks=4, first=10)
    pc.counts[:] = 999                   # every entry of a recorded row is written
    pc.net.run(0, 20)
    assert (pc.counts > 0).all() and (pc.counts < 999).all()


# ---- loading, rate changes, schedules -------------------------------------------------------------------


def test_load_draws_time_to_spike_of_slow_sources_with_zero():
    srcs = sources(5, is_fast=0)
    srcs["mean_isi_ticks"] = [100, 0, 50, 7, 100]
    srcs["time_to_spike"] = [0, 0, 1234, 0, 0]
    srcs[4]["is_fast"] = 1
    pc = PoissonCore(srcs)
    pc.net.poisson_load(pc.core)
    st = list(SEED)
    expected = [isi(st, 100), isi(st, 0), 1234, isi(st, 7), 0]
    assert pc.sources["time_to_spike"].tolist() == expected
    assert pc.rng.tolist() == st
    # a resume does the pass twice: sources still at 0 (rate 0) draw twice
    srcs2 = sources(2, is_fast=0)
    srcs2["mean_isi_ticks"] = [0, 10]
    pc2 = PoissonCore(srcs2)
    pc2.net.poisson_load(pc2.core, resume=True)
    st = list(SEED)
    assert isi(st, 0) == 0
    t1 = isi(st, 10)
    assert isi(st, 0) == 0
    assert pc2.sources["time_to_spike"].tolist() == [0, t1]
    assert pc2.rng.tolist() == st


def test_draw_isi_for_a_rate_change():
    srcs = sources(2, is_fast=0, mean_isi_ticks=150)
    pc = PoissonCore(srcs)
    pc.net.poisson_draw_isi(pc.core, 1)
    st = list(SEED)
    assert pc.sources["time_to_spike"].tolist() == [0, isi(st, 150)]
    with pytest.raises(ValueError, match="source 2 out of range"):
        pc.net.poisson_draw_isi(pc.core, 2)


def entries(*rows):
    arr = np.zeros(len(rows), K.poisson_dtype("entry"))
    for i, row in enumerate(rows):
        for k, v in row.items():
            arr[i][k] = v
    return arr


def test_schedule_switches_at_the_end_of_tick_next_minus_1():
    e = [dict(start_tick=0, end_tick=10, next_tick=10, **fast(2.0)),
         dict(start_tick=10, end_tick=20, next_tick=25, **slow(0.005), time_to_spike=77),
         dict(start_tick=25, end_tick=FOREVER, next_tick=FOREVER, **fast(0.3))]
    e2 = [dict(start_tick=0, end_tick=FOREVER, next_tick=FOREVER, **fast(1.0))]
    schedule = np.concatenate([entries(*e), entries(*e2)])
    offsets = np.array([0, 3, 4], np.uint32)
    srcs = sources(2)
    for i, first in enumerate((e[0], e2[0])):
        for k, v in first.items():
            srcs[i][k] = v
    expected, ref_src, st = reference(srcs, SEED, range(40),
                                      schedule=[[{k: v for k, v in x.items()} for x in e],
                                                e2])
    pc = PoissonCore(srcs, n_ticks=40, schedule_offsets=offsets, schedule=schedule)
    pc.net.run(0, 40)
    assert pc.counts.tolist() == expected
    assert pc.rng.tolist() == st
    assert pc.sources["rate_index"].tolist() == [2, 0]
    assert pc.counts[:10, 0].sum() > 0 and pc.counts[20:25, 0].sum() == 0
    # the slow entry drew a fresh time_to_spike at the switch (the stored 77 was replaced)
    assert ref_src[0]["rate_index"] == 2


def test_counts_reach_the_targets_count_times():
    """A source's count k processes its row k times: the ring entry receives k * weight."""
    net = K.Network(n_threads=1)
    srcs = sources(1, **faster(16.0))
    pc = PoissonCore(srcs, n_ticks=1, net=net)
    comps = {"membrane": np.zeros(1, K.component_dtype("membrane:lif")),
             "synapse": np.zeros(1, K.component_dtype("synapse:exponential")),
             "input": None, "threshold": np.zeros(1, K.component_dtype("threshold:static"))}
    ring = np.zeros(16 << 2, np.uint16)
    target = net.add_neuron_core("if_curr_exp", 1, 2, 1, 1, 4, [0, 0], comps, ring)
    word = (3 << 16) | (2 << 2)                     # weight 3, delay 2, type 0, neuron 0
    net.add_incoming(target, pc.core, np.array([0, 1], np.uint32), np.array([word], np.uint32))
    net.run(0, 1)
    assert ring[2 << 2] == 3 * int(pc.counts[0, 0]) > 0


# ---- validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("make, message", [
    (lambda: dict(n_atoms=0, rng=np.zeros(4, np.uint32), sources=sources(1)), "n_atoms = 0"),
    (lambda: dict(n_atoms=2, rng=np.zeros(4, np.uint32), sources=sources(1)),
     "sources has 1 entries, expected n_atoms = 2"),
    (lambda: dict(n_atoms=1, rng=np.zeros(3, np.uint32), sources=sources(1)), "rng must have 4"),
    (lambda: dict(n_atoms=1, rng=np.zeros(4, np.int64), sources=sources(1)), "dtype uint32"),
    (lambda: dict(n_atoms=1, rng=np.zeros(4, np.uint32), sources=np.zeros(1, np.uint32)),
     "structured array"),
    (lambda: dict(n_atoms=1, rng=np.zeros(4, np.uint32),
                  sources=sources(1, is_fast=1, sqrt_lambda=253 * S)), "exceeds"),
    (lambda: dict(n_atoms=1, rng=np.zeros(4, np.uint32), sources=sources(1, sqrt_lambda=-1)),
     ">= 0"),
    (lambda: dict(n_atoms=1, rng=np.zeros(4, np.uint32), sources=sources(1, rate_index=1)),
     "no schedule"),
    (lambda: dict(n_atoms=1, rng=np.zeros(4, np.uint32), sources=sources(1),
                  schedule_offsets=np.array([0, 1], np.uint32)), "together"),
    (lambda: dict(n_atoms=2, rng=np.zeros(4, np.uint32), sources=sources(2),
                  schedule_offsets=np.array([0, 1, 1], np.uint32), schedule=entries({}, {})),
     "at least one entry"),
    (lambda: dict(n_atoms=1, rng=np.zeros(4, np.uint32), sources=sources(1),
                  schedule_offsets=np.array([0, 1], np.uint32), schedule=entries({}, {})),
     "schedule has 2 entries"),
    (lambda: dict(n_atoms=1, rng=np.zeros(4, np.uint32), sources=sources(1, rate_index=2),
                  schedule_offsets=np.array([0, 2], np.uint32), schedule=entries({}, {})),
     "rate_index = 2"),
    (lambda: dict(n_atoms=1, rng=np.zeros(4, np.uint32), sources=sources(1),
                  schedule_offsets=np.array([0, 1], np.uint32),
                  schedule=entries(dict(sqrt_lambda=300 * S))), r"schedule\[0\].sqrt_lambda"),
])
def test_add_poisson_core_rejects(make, message):
    net = K.Network()
    with pytest.raises(ValueError, match=message):
        net.add_poisson_core(**make())
    assert net.n_cores == 0


def test_values_changed_in_place_are_checked_before_a_run():
    pc = PoissonCore(sources(2, **faster(16.0)))
    pc.sources[1]["sqrt_lambda"] = 260 * S
    with pytest.raises(ValueError, match=r"Poisson core 0: sources\[1\].sqrt_lambda"):
        pc.net.run(0, 1)
    pc.sources[1]["sqrt_lambda"] = 4 * S
    pc.net.run(0, 1)


def test_recording_and_api_misuse():
    pc = PoissonCore(sources(3))
    with pytest.raises(ValueError, match="uint16"):
        pc.net.set_recording(pc.core, spikes=np.zeros((4, 1), np.uint32))
    with pytest.raises(ValueError, match="expected n_atoms = 3"):
        pc.net.set_recording(pc.core, spikes=np.zeros((4, 2), np.uint16))
    with pytest.raises(ValueError, match="not a Poisson core"):
        src = pc.net.add_spike_array_core(1, [], [])
        pc.net.poisson_load(src)
    with pytest.raises(ValueError, match="no analog"):
        pc.net.set_recording(pc.core, analog=[(0, np.zeros(3, np.int32), 1, 0,
                                                np.zeros((1, 1), np.int32))])


# ---- a core's sources in any mix of regimes ------------------------------------------------------

_ENTRY = st.one_of(
    st.builds(lambda lam: fast(lam), st.floats(0.01, 12.0)),
    st.just(dict(is_fast=1, exp_minus_lambda=0)),           # no draw
    st.builds(lambda lam, tts: dict(slow(lam), time_to_spike=tts),
              st.floats(0.002, 0.9), st.integers(0, 3000)))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(1, 40))
def test_any_mix_of_regimes_windows_and_switches_matches_the_reference(data, n):
    """The kernel draws runs of Knuth sources without a branch per source (fast_counts)
    and every other source one at a time; in any order of regimes, activity windows and
    schedule switches the words and counts are those of the one-source-at-a-time
    reference."""
    schedule, offsets = [], [0]
    for _ in range(n):
        k = data.draw(st.integers(1, 3))
        switches = sorted(data.draw(st.lists(st.integers(1, 30), min_size=k - 1,
                                             max_size=k - 1, unique=True)))
        bounds = [0] + switches + [FOREVER]
        entry_list = []
        for j in range(k):
            start = data.draw(st.integers(bounds[j], min(bounds[j] + 5, 40)))
            end = data.draw(st.sampled_from([FOREVER, start + data.draw(st.integers(0, 20))]))
            entry_list.append(dict(data.draw(_ENTRY), start_tick=start, end_tick=end,
                                   next_tick=bounds[j + 1]))
        schedule.append(entry_list)
        offsets.append(offsets[-1] + k)
    srcs = sources(n)
    for i, e in enumerate(schedule):
        for key, value in e[0].items():
            srcs[i][key] = value
    expected, ref_src, state = reference(srcs, SEED, range(40),
                                         schedule=[[dict(x) for x in e] for e in schedule])
    pc = PoissonCore(srcs, n_ticks=40, schedule_offsets=np.array(offsets, np.uint32),
                     schedule=np.concatenate([entries(*e) for e in schedule]))
    pc.net.run(0, 40)
    assert pc.counts.tolist() == expected
    assert pc.rng.tolist() == state
    assert pc.sources["rate_index"].tolist() == [s["rate_index"] for s in ref_src]
