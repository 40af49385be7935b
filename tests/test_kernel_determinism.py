"""The kernel's results do not depend on the thread count or on how a run is split, and they
match a slow pure-Python transcription of spec/kernel.md §2-§4 bit for bit."""

import numpy as np
import pytest

from kernel_module import load_kernel


K = load_kernel()
MODEL = "if_curr_exp"
S = 1 << 15
N_TICKS = 40

# ---- a random network, as plain data ---------------------------------------------------------


def n_keys(core):
    """Rows a target needs for this source (§5.2: a delay core has n_stages x n_atoms keys)."""
    return core["n"] * core.get("n_stages", 1)


def delay_core(rng, cores, sources):
    """A delay-extension core serving one of `sources` (random stages and counter slots)."""
    source = int(rng.choice(sources))
    n = cores[source]["n"]
    n_stages = int(rng.randint(1, 4))
    stage_length = int(rng.choice([16, 8, 5, 3]))
    span = n_stages * stage_length
    n_slots = 1 << (span.bit_length() + int(rng.randint(0, 2)))   # a power of two > span
    return dict(kind="delay", n=n, source=source, n_stages=n_stages,
                stage_length=stage_length, counters=np.zeros((n_slots, n), np.uint8))


def random_network(seed, n_ticks=N_TICKS, sparse_recording=True):
    """A description of a network of 2 spike-source-array cores, 5 neuron cores and 2
    delay-extension cores with random parameters, rows (neuron -> neuron and recurrent too,
    every delay 1..16, some weights large enough to saturate) and recordings."""
    rng = np.random.RandomState(seed)
    cores = []
    for _ in range(2):
        n = int(rng.randint(1, 40))
        n_events = int(rng.randint(0, 120))
        ticks = np.sort(rng.randint(0, n_ticks + 5, n_events)).astype(np.uint32)
        indices = rng.randint(0, n, n_events).astype(np.uint32)
        cores.append(dict(kind="ssa", n=n, ticks=ticks, indices=indices))
    for _ in range(5):
        n = int(rng.randint(1, 70))
        index_bits = max(1, (n - 1).bit_length())
        delay_bits = int(rng.choice([4, 4, 3]))
        mem = np.zeros(n, K.component_dtype("membrane:lif"))
        mem["V_membrane"] = rng.randint(-70 * S, -50 * S, n)
        mem["V_rest"] = -65 * S
        mem["R_membrane"] = 655360
        mem["exp_TC"] = rng.choice([31170, 32605], n)
        mem["I_offset"] = rng.randint(0, 2 * S, n)
        mem["refract_timer"] = rng.randint(0, 3, n)
        mem["V_reset"] = -70 * S
        mem["T_refract"] = rng.randint(0, 4, n)
        syn = np.zeros(n, K.component_dtype("synapse:exponential"))
        syn["exc_decay"], syn["exc_init"] = 3516421809, 3892727437
        syn["inh_decay"], syn["inh_init"] = 2605029347, 3379875897
        syn["isyn_exc"] = rng.randint(0, S, n)
        thr = np.zeros(n, K.component_dtype("threshold:static"))
        thr["threshold_value"] = -50 * S
        cores.append(dict(kind="neuron", n=n, index_bits=index_bits, type_bits=1,
                          delay_bits=delay_bits, shifts=rng.randint(0, 6, 2).astype(np.uint32),
                          components={"membrane": mem, "synapse": syn, "input": None,
                                      "threshold": thr},
                          ring=np.zeros((1 << delay_bits) << (1 + index_bits), np.uint16)))
    for _ in range(2):
        cores.append(delay_core(rng, cores, range(7)))
    blocks = []
    for target, tc in enumerate(cores):
        if tc["kind"] != "neuron":
            continue
        for source in rng.choice(len(cores), 3, replace=False):
            keys = n_keys(cores[source])
            lengths = rng.randint(0, 7, keys)
            offsets = np.zeros(keys + 1, np.uint32)
            offsets[1:] = np.cumsum(lengths)
            n_words = int(offsets[-1])
            weights = np.where(rng.rand(n_words) < 0.1, rng.randint(20000, 65536, n_words),
                               rng.randint(0, 3000, n_words))
            delays = rng.randint(1, (1 << tc["delay_bits"]) + 1, n_words) \
                & ((1 << tc["delay_bits"]) - 1)
            types = rng.randint(0, 2, n_words)
            index = rng.randint(0, tc["n"], n_words)
            words = ((weights.astype(np.int64) << 16)
                     | (delays.astype(np.int64) << (tc["index_bits"] + 1))
                     | (types.astype(np.int64) << tc["index_bits"])
                     | index.astype(np.int64)).astype(np.uint32)
            blocks.append((target, int(source), offsets, words))
    recordings = []
    for c, core in enumerate(cores):
        if core["kind"] == "delay":
            continue                                  # delay cores record nothing
        n = core["n"]
        first = int(rng.randint(0, 3)) if sparse_recording else 0
        spikes = np.zeros((n_ticks - first, (n + 31) // 32), np.uint32)
        analog = []
        if core["kind"] == "neuron":
            for slot in range(3):
                interval = int(rng.randint(1, 4)) if sparse_recording else 1
                start = int(rng.randint(0, 3)) if sparse_recording else 0
                cols = np.arange(n, dtype=np.int32)
                if sparse_recording:
                    cols = np.where(rng.rand(n) < 0.7, -1, 0).astype(np.int32)
                    chosen = np.flatnonzero(cols == 0)
                    cols[chosen] = rng.permutation(len(chosen))
                n_rec = int(cols.max()) + 1 if n else 0
                n_samples = (n_ticks - start + interval - 1) // interval
                analog.append((slot, cols, interval, start,
                               np.zeros((n_samples, n_rec), np.int32)))
        recordings.append(dict(core=c, spikes=spikes, spikes_first_tick=first, analog=analog))
    return dict(cores=cores, blocks=blocks, recordings=recordings)


def copy_description(desc):
    """A deep copy, so every run starts from the same state with its own arrays."""
    def cp(x):
        if isinstance(x, np.ndarray):
            return x.copy()
        if isinstance(x, dict):
            return {k: cp(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return type(x)(cp(v) for v in x)
        return x
    return cp(desc)


def build(desc, n_threads):
    net = K.Network(n_threads=n_threads)
    for core in desc["cores"]:
        if core["kind"] == "ssa":
            net.add_spike_array_core(core["n"], core["ticks"], core["indices"])
        elif core["kind"] == "delay":
            net.add_delay_core(core["source"], core["n"], core["n_stages"],
                               core["stage_length"], core["counters"])
        else:
            net.add_neuron_core(MODEL, core["n"], 2, core["index_bits"], core["type_bits"],
                                core["delay_bits"], core["shifts"], core["components"],
                                core["ring"])
    for target, source, offsets, words in desc["blocks"]:
        net.add_incoming(target, source, offsets, words)
    for rec in desc["recordings"]:
        net.set_recording(**rec)
    return net


def snapshot(desc, net):
    """Every array the kernel writes, plus the saturation counters."""
    out = {}
    for c, core in enumerate(desc["cores"]):
        out[f"sat{c}"] = net.saturations(c)
        if core["kind"] == "neuron":
            out[f"ring{c}"] = core["ring"].copy()
            for kind, arr in core["components"].items():
                if arr is not None:
                    out[f"{kind}{c}"] = arr.copy()
        elif core["kind"] == "delay":
            out[f"counters{c}"] = core["counters"].copy()
    for r, rec in enumerate(desc["recordings"]):
        out[f"spikes{r}"] = rec["spikes"].copy()
        for a, entry in enumerate(rec["analog"]):
            out[f"analog{r}.{a}"] = entry[4].copy()
    return out


def assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def simulate(seed, n_threads, splits=(N_TICKS,), sparse_recording=True):
    desc = copy_description(random_network(seed, sparse_recording=sparse_recording))
    net = build(desc, n_threads)
    tick = 0
    for n in splits:
        net.run(tick, n)
        tick += n
    return desc, snapshot(desc, net)


SEEDS = [1, 2, 3, 4, 5]


@pytest.mark.parametrize("seed", SEEDS)
def test_thread_count_does_not_matter(seed):
    _, one = simulate(seed, 1)
    spikes = sum(int(np.unpackbits(v.view(np.uint8)).sum())
                 for k, v in one.items() if k.startswith("spikes"))
    assert spikes > 0                             # the network is not silent
    for n_threads in (2, 4):
        _, other = simulate(seed, n_threads)
        assert_same(one, other)


@pytest.mark.parametrize("seed", SEEDS)
def test_split_runs_give_the_same_result(seed):
    _, whole = simulate(seed, 2, splits=(20,))
    _, split = simulate(seed, 2, splits=(10, 10))
    assert_same(whole, split)
    _, whole = simulate(seed, 3, splits=(N_TICKS,))
    _, split = simulate(seed, 1, splits=(1, 12, 0, 27))
    assert_same(whole, split)


def test_the_random_networks_saturate_somewhere():
    assert any(simulate(seed, 1)[1][f"sat{c}"] > 0 for seed in SEEDS for c in range(7))


def test_the_delay_cores_deliver_something():
    """Some delayed spike is re-sent (a counter was set) in every random network."""
    for seed in SEEDS:
        desc, snap = simulate(seed, 1)
        assert any(snap[f"counters{c}"].any() for c, core in enumerate(desc["cores"])
                   if core["kind"] == "delay"), seed


# ---- a slow transcription of the spec, for comparison ----------------------------------------


def wrap32(x):
    return ((x + (1 << 31)) % (1 << 32)) - (1 << 31)


def mulk(a, b):
    return wrap32((a * b) >> 15)


def decay(x, d):
    return (x * d) >> 32


def reference(desc, n_ticks):
    """Runs the description in pure Python, recording every neuron every tick.  Returns
    (components, rings, saturations, spikes[t][core] = list of atoms (keys, a key listed once
    per spike of its payload, for delay cores), analog[core][t] = rows, delay counters)."""
    cores = desc["cores"]
    counters = [[[int(x) for x in row] for row in c["counters"]] if c["kind"] == "delay"
                else None for c in cores]
    state = [{k: {f: [int(x) for x in arr[f]] for f in arr.dtype.names}
              for k, arr in c["components"].items() if arr is not None}
             if c["kind"] == "neuron" else None for c in cores]
    rings = [[int(x) for x in c["ring"]] if c["kind"] == "neuron" else None for c in cores]
    sats = [0] * len(cores)
    spikes, analog = [], [[] for _ in cores]
    for t in range(n_ticks):
        emitted = []
        for c, core in enumerate(cores):
            if core["kind"] == "ssa":
                emitted.append([int(i) for tk, i in zip(core["ticks"], core["indices"])
                                if tk == t])
                continue
            if core["kind"] == "delay":             # §5.2: stage k re-sends tick t - k L
                n, slots, out = core["n"], counters[c], []
                for k in range(1, core["n_stages"] + 1):
                    if t >= k * core["stage_length"]:
                        row = slots[(t - k * core["stage_length"]) % len(slots)]
                        for i in range(n):
                            out += [(k - 1) * n + i] * row[i]
                slots[t % len(slots)] = [0] * n
                emitted.append(out)
                continue
            mem, syn, thr = state[c]["membrane"], state[c]["synapse"], state[c]["threshold"]
            ib, tb, mask = core["index_bits"], core["type_bits"], (1 << core["delay_bits"]) - 1
            out, rows = [], []
            for n in range(core["n"]):
                for s, (isyn, init) in enumerate([("isyn_exc", "exc_init"),
                                                  ("isyn_inh", "inh_init")]):
                    idx = ((t & mask) << (tb + ib)) | (s << ib) | n
                    x = wrap32(rings[c][idx] << int(core["shifts"][s]))
                    syn[isyn][n] = wrap32(syn[isyn][n] + decay(x, syn[init][n]))
                    rings[c][idx] = 0
                v, exc, inh = mem["V_membrane"][n], syn["isyn_exc"][n], syn["isyn_inh"][n]
                rows.append((v, exc, inh))
                if mem["refract_timer"][n] <= 0:
                    i = wrap32(exc - inh + mem["I_offset"][n])
                    alpha = wrap32(mulk(i, mem["R_membrane"][n]) + mem["V_rest"][n])
                    v = wrap32(alpha - mulk(mem["exp_TC"][n], wrap32(alpha - v)))
                    mem["V_membrane"][n] = v
                else:
                    mem["refract_timer"][n] -= 1
                if v >= thr["threshold_value"][n]:
                    mem["V_membrane"][n] = mem["V_reset"][n]
                    mem["refract_timer"][n] = mem["T_refract"][n]
                    out.append(n)
                syn["isyn_exc"][n] = decay(syn["isyn_exc"][n], syn["exc_decay"][n])
                syn["isyn_inh"][n] = decay(syn["isyn_inh"][n], syn["inh_decay"][n])
            emitted.append(out)
            analog[c].append(rows)
        for target, source, offsets, words in desc["blocks"]:
            tc = cores[target]
            low = tc["index_bits"] + tc["type_bits"]
            mask = (1 << tc["delay_bits"]) - 1
            for k in emitted[source]:
                for w in words[offsets[k]:offsets[k + 1]]:
                    w = int(w)
                    slot = (t + ((w >> low) & mask)) & mask
                    idx = (slot << low) | (w & ((1 << low) - 1))
                    acc = rings[target][idx] + (w >> 16)
                    if acc & 0x10000:
                        acc = 0xFFFF
                        sats[target] += 1
                    rings[target][idx] = acc
        for c, core in enumerate(cores):
            if core["kind"] == "delay":             # one packet at a time, as on the machine
                row = counters[c][t % len(counters[c])]
                for i in emitted[core["source"]]:
                    if row[i] == 255:
                        sats[c] += 1
                    else:
                        row[i] += 1
        spikes.append(emitted)
    return state, rings, sats, spikes, analog, counters


@pytest.mark.parametrize("seed", SEEDS)
def test_matches_the_spec_transcription(seed):
    """Blocks are added target by target in the description, so the reference's block order
    per target is the kernel's (and so are the saturation counts)."""
    desc = random_network(seed, sparse_recording=False)
    ref_state, ref_rings, ref_sats, ref_spikes, ref_analog, ref_counters = reference(
        copy_description(desc), N_TICKS)
    run_desc, snap = simulate(seed, 2, sparse_recording=False)
    recordings = {rec["core"]: rec for rec in run_desc["recordings"]}
    for c, core in enumerate(run_desc["cores"]):
        assert snap[f"sat{c}"] == ref_sats[c], c
        if core["kind"] == "delay":
            assert snap[f"counters{c}"].tolist() == ref_counters[c], c
            continue
        rec = recordings[c]
        for t in range(N_TICKS):
            row = rec["spikes"][t]
            got = [n for n in range(core["n"]) if row[n >> 5] >> (n & 31) & 1]
            assert got == sorted(set(ref_spikes[t][c])), (c, t)
        if core["kind"] != "neuron":
            continue
        assert snap[f"ring{c}"].tolist() == ref_rings[c]
        for kind, fields in ref_state[c].items():
            for f, values in fields.items():
                assert snap[f"{kind}{c}"][f].astype(np.int64).tolist() == values, \
                    (c, kind, f)
        for slot in range(3):
            buf = rec["analog"][slot][4]
            expected = np.array([[r[slot] for r in rows] for rows in ref_analog[c]], np.int64)
            assert np.array_equal(buf.astype(np.int64), expected), (c, slot)


# ---- every model, current sources and Poisson cores ------------------------------------------------


def _model_arrays(model, n, rng):
    """Random but sensible component arrays of `model`."""
    comps = {}
    for qualified in K.model_components(model):
        kind = qualified.split(":")[0]
        dtype = K.component_dtype(qualified)
        comps[kind] = None if dtype is None else np.zeros(n, dtype)
    mem, syn, inp, thr = (comps.get(k) for k in ("membrane", "synapse", "input", "threshold"))
    izh = model.startswith("izhikevich")
    if izh:
        mem["A"], mem["B"], mem["C"], mem["D"] = 655, 6553, -65 * S, 2 * S
        mem["V"] = rng.randint(-70 * S, -50 * S, n)
        mem["U"] = -14 * S
        mem["I_offset"] = rng.randint(0, 10 * S, n)
        mem["this_h"] = mem["reset_h"] = rng.choice([S, 3277])
        thr["threshold_value"] = 30 * S
    else:
        mem["V_membrane"] = rng.randint(-70 * S, -50 * S, n)
        mem["V_rest"], mem["R_membrane"], mem["exp_TC"] = -65 * S, 655360, 31170
        mem["I_offset"] = rng.randint(0, 2 * S, n)
        mem["V_reset"], mem["T_refract"] = -70 * S, rng.randint(0, 4, n)
        thr["threshold_value"] = -50 * S
    fields = syn.dtype.names
    for f in fields:
        if f.endswith("_decay"):
            syn[f] = 3516421809
        elif f.endswith("_init"):
            syn[f] = 3892727437
        elif f.endswith("dt_over_tau2"):
            syn[f] = 4 * S
    if inp is not None:
        if "V_rev_E" in inp.dtype.names:
            inp["V_rev_E"], inp["V_rev_I"] = 0, -70 * S
        else:
            inp["scale"] = rng.choice([S, 10 * S])
    if "additional" in comps:
        add = comps["additional"]
        add["exp_TauCa"], add["I_alpha"] = 32112, 3277
    return comps


def _poisson_sources(n, rng):
    srcs = np.zeros(n, K.poisson_dtype("source"))
    srcs["end_tick"] = np.where(rng.rand(n) < 0.5, 0xFFFFFFFF, rng.randint(10, 40, n))
    srcs["next_tick"] = 0xFFFFFFFF
    srcs["start_tick"] = rng.randint(0, 8, n)
    for i in range(n):
        lam = rng.choice([0.004, 0.05, 0.8, 3.0, 20.0])
        if lam < 0.01:
            srcs[i]["mean_isi_ticks"] = int(1 / lam)
        else:
            srcs[i]["is_fast"] = 1
            srcs[i]["exp_minus_lambda"] = int(np.exp(-lam) * 2 ** 32)
            if lam >= 10:
                srcs[i]["sqrt_lambda"] = int(np.sqrt(lam) * S)
    return srcs


def mixed_network(seed, n_ticks=N_TICKS):
    """Two Poisson cores (one with a rate schedule), one spike-source array, a core of
    every model, with current sources of every kind, and two delay cores (one serving a
    Poisson core), random rows and full recording."""
    rng = np.random.RandomState(seed)
    cores = []
    for k in range(2):
        n = int(rng.randint(1, 30))
        core = dict(kind="poisson", n=n, rng=np.array([seed + k + 1, 99, 12345, 7 + k],
                                                       np.uint32),
                    sources=_poisson_sources(n, rng))
        if k == 1:
            entries = np.zeros(2 * n, K.poisson_dtype("entry"))
            later = _poisson_sources(n, rng)
            for i in range(n):
                first = core["sources"][i]
                first["next_tick"] = 15
                entries[2 * i] = tuple(first)[:8]
                later[i]["start_tick"] = 15
                entries[2 * i + 1] = tuple(later[i])[:8]
            core["schedule_offsets"] = np.arange(0, 2 * n + 1, 2, dtype=np.uint32)
            core["schedule"] = entries
        cores.append(core)
    cores.append(dict(kind="ssa", n=5, ticks=np.sort(rng.randint(0, n_ticks, 30)).astype(
        np.uint32), indices=rng.randint(0, 5, 30).astype(np.uint32)))
    for model in K.model_names():
        n = int(rng.randint(1, 40))
        n_types = K.model_n_synapse_types(model)
        tb = max(1, (n_types - 1).bit_length())
        ib = max(1, (n - 1).bit_length())
        core = dict(kind="neuron", model=model, n=n, n_types=n_types, index_bits=ib,
                    type_bits=tb, shifts=rng.randint(0, 6, n_types).astype(np.uint32),
                    components=_model_arrays(model, n, rng),
                    ring=np.zeros(16 << (tb + ib), np.uint16), sources=[])
        for kind in K.current_source_kinds():
            if rng.rand() < 0.6:
                p = np.zeros(1, K.current_source_dtype(kind))
                extra = {}
                if kind == "dc":
                    p["amplitude"], p["start"], p["stop"] = S // 2, 3, 30
                elif kind == "ac":
                    p["start"], p["stop"], p["amplitude"] = 2, 35, S
                    p["frequency"], p["phase"] = 2000, int(rng.randint(0, 6 * S))
                elif kind == "step":
                    extra = dict(times=np.sort(rng.randint(0, n_ticks, 4)).astype(np.uint32),
                                 amplitudes=rng.randint(-S, S, 4).astype(np.int32))
                else:
                    p["mean"], p["stdev"], p["start"], p["stop"] = S // 4, S // 2, 1, 38
                    p["rng_x"], p["rng_y"], p["rng_z"], p["rng_c"] = 5, 6, 7, 8 + seed
                targets = np.flatnonzero(rng.rand(n) < 0.5)
                core["sources"].append((kind, p, targets, extra))
        cores.append(core)
    cores.append(delay_core(rng, cores, [0]))                 # payloads from a Poisson core
    cores.append(delay_core(rng, cores, range(len(cores) - 1)))
    blocks = []
    for target, tc in enumerate(cores):
        if tc["kind"] != "neuron":
            continue
        for source in rng.choice(len(cores), 4, replace=False):
            keys = n_keys(cores[source])
            offsets = np.zeros(keys + 1, np.uint32)
            offsets[1:] = np.cumsum(rng.randint(0, 5, keys))
            n_words = int(offsets[-1])
            words = ((rng.randint(0, 4000, n_words).astype(np.int64) << 16)
                     | (rng.randint(0, 16, n_words).astype(np.int64)
                        << (tc["index_bits"] + tc["type_bits"]))
                     | (rng.randint(0, tc["n_types"], n_words).astype(np.int64)
                        << tc["index_bits"])
                     | rng.randint(0, tc["n"], n_words)).astype(np.uint32)
            blocks.append((target, int(source), offsets, words))
    desc = dict(cores=cores, blocks=blocks)
    add_plasticity(desc, seed)
    return desc


def _lut(rng):
    """A random STDP look-up table (int16, 11 fraction bits, possibly empty)."""
    tau = rng.uniform(3.0, 40.0)
    return np.floor(2048 * np.exp(-np.arange(rng.randint(0, 60)) / tau)).astype(np.int16)


def add_plasticity(desc, seed):
    """STDP on most neuron cores of a mixed network (§6): random rule, LUTs, parameters
    (including a2 values above 32767 and shifts), and plastic rows from random sources
    (Poisson and delay cores included, so payload counts occur).  Drawn from their own
    generator, so the rest of the network is unchanged."""
    rng = np.random.RandomState(seed + 1000)
    cores = desc["cores"]
    desc["plasticity"], desc["plastic_blocks"] = [], []
    for target, tc in enumerate(cores):
        if tc["kind"] != "neuron" or rng.rand() < 0.2:
            continue
        nt = tc["n_types"]
        desc["plasticity"].append((target, dict(
            timing=str(rng.choice(K.stdp_timing_rules())),
            weight_dependence=str(rng.choice(K.stdp_weight_dependences())),
            lut_plus=_lut(rng), lut_minus=_lut(rng),
            lut_plus_shift=int(rng.choice([0, 0, 1, 3])),
            lut_minus_shift=int(rng.choice([0, 0, 2])),
            w_min=rng.randint(0, 600, nt), w_max=rng.randint(1000, 70000, nt),
            a2_plus=rng.randint(0, 40000, nt), a2_minus=rng.randint(0, 40000, nt),
            backprop_delay=bool(rng.rand() < 0.5),
            history=np.zeros(tc["n"], K.stdp_history_dtype()))))
        for source in rng.choice(len(cores), 2, replace=False):
            keys = n_keys(cores[int(source)])
            offsets = np.zeros(keys + 1, np.uint32)
            offsets[1:] = np.cumsum(rng.randint(0, 4, keys))
            n_syn = int(offsets[-1])
            controls = ((rng.randint(0, 16, n_syn) << (tc["index_bits"] + tc["type_bits"]))
                        | (rng.randint(0, nt, n_syn) << tc["index_bits"])
                        | rng.randint(0, tc["n"], n_syn)).astype(np.uint16)
            desc["plastic_blocks"].append((target, int(source), offsets, controls,
                                           rng.randint(0, 5000, n_syn).astype(np.uint16),
                                           np.zeros(keys, K.stdp_row_state_dtype())))


def build_mixed(desc, n_threads, n_ticks=N_TICKS):
    net = K.Network(n_threads=n_threads)
    recs = []
    for c, core in enumerate(desc["cores"]):
        if core["kind"] == "poisson":
            net.add_poisson_core(core["n"], core["rng"], core["sources"],
                                 core.get("schedule_offsets"), core.get("schedule"))
            net.poisson_load(c)
            counts = np.zeros((n_ticks, core["n"]), np.uint16)
            net.set_recording(c, spikes=counts)
            recs.append(counts)
        elif core["kind"] == "ssa":
            net.add_spike_array_core(core["n"], core["ticks"], core["indices"])
            recs.append(None)
        elif core["kind"] == "delay":
            net.add_delay_core(core["source"], core["n"], core["n_stages"],
                               core["stage_length"], core["counters"])
            recs.append(None)
        else:
            net.add_neuron_core(core["model"], core["n"], core["n_types"], core["index_bits"],
                                core["type_bits"], 4, core["shifts"], core["components"],
                                core["ring"])
            for kind, p, targets, extra in core["sources"]:
                net.add_current_source(c, kind, p, targets, **extra)
            spikes = np.zeros((n_ticks, (core["n"] + 31) // 32), np.uint32)
            cols = np.arange(core["n"], dtype=np.int32)
            bufs = [np.zeros((n_ticks, core["n"]), np.int32) for _ in range(3)]
            net.set_recording(c, spikes=spikes,
                              analog=[(s, cols, 1, 0, b) for s, b in enumerate(bufs)])
            recs.append([spikes] + bufs)
    for target, source, offsets, words in desc["blocks"]:
        net.add_incoming(target, source, offsets, words)
    for target, config in desc["plasticity"]:
        net.set_plasticity(target, **config)
    for target, source, offsets, controls, weights, row_state in desc["plastic_blocks"]:
        net.add_plastic_incoming(target, source, offsets, controls, weights, row_state)
    return net, recs


def mixed_snapshot(desc, net, recs):
    out = {}
    for c, core in enumerate(desc["cores"]):
        out[f"sat{c}"] = np.array(net.saturations(c))
        if core["kind"] == "poisson":
            out[f"rng{c}"] = core["rng"].copy()
            out[f"src{c}"] = core["sources"].copy()
            out[f"counts{c}"] = recs[c].copy()
        elif core["kind"] == "delay":
            out[f"counters{c}"] = core["counters"].copy()
        elif core["kind"] == "neuron":
            out[f"ring{c}"] = core["ring"].copy()
            for kind, arr in core["components"].items():
                if arr is not None:
                    out[f"{kind}{c}"] = arr.copy()
            for i, (_, p, _, _) in enumerate(core["sources"]):
                out[f"cs{c}.{i}"] = p.copy()
            for i, r in enumerate(recs[c]):
                out[f"rec{c}.{i}"] = r.copy()
            out[f"plastic_sat{c}"] = np.array(net.plastic_saturations(c))
    for target, config in desc["plasticity"]:
        out[f"history{target}"] = config["history"].copy()
    for b, (_, _, _, _, weights, row_state) in enumerate(desc["plastic_blocks"]):
        out[f"weights{b}"] = weights.copy()
        out[f"row_state{b}"] = row_state.copy()
    return out


def simulate_mixed(seed, n_threads, splits=(N_TICKS,), with_description=False):
    desc = copy_description(mixed_network(seed))
    net, recs = build_mixed(desc, n_threads)
    tick = 0
    for n in splits:
        net.run(tick, n)
        tick += n
    snap = mixed_snapshot(desc, net, recs)
    return (desc, snap) if with_description else snap


@pytest.mark.parametrize("seed", SEEDS)
def test_every_model_and_source_is_thread_count_and_split_independent(seed):
    one = simulate_mixed(seed, 1)
    n_spikes = sum(int(np.unpackbits(v.view(np.uint8)).sum())
                   for k, v in one.items() if k.startswith("rec") and k.endswith(".0"))
    n_poisson = sum(int(v.sum()) for k, v in one.items() if k.startswith("counts"))
    assert n_spikes > 0 and n_poisson > 0
    for n_threads in (2, 4):
        assert_same(one, simulate_mixed(seed, n_threads))
    assert_same(one, simulate_mixed(seed, 3, splits=(1, 12, 0, 27)))


def test_the_mixed_networks_learn():
    """Plastic weights changed, post histories filled and some rows were processed with a
    payload, in the mixed networks (so the determinism test above covers STDP)."""
    changed = histories = payload_blocks = 0
    for seed in SEEDS:
        fresh = mixed_network(seed)
        desc, snap = simulate_mixed(seed, 1, with_description=True)
        assert len(desc["plasticity"]) >= 3
        payload_blocks += sum(desc["cores"][block[1]]["kind"] in ("poisson", "delay")
                              for block in desc["plastic_blocks"])
        for b, block in enumerate(fresh["plastic_blocks"]):
            changed += int(np.count_nonzero(snap[f"weights{b}"] != block[4]))
        histories += sum(int(snap[f"history{t}"]["n_events"].sum())
                         for t, _ in desc["plasticity"])
    assert changed > 50 and histories > 50 and payload_blocks > 3
