"""Micro-benchmark of the C kernel's time loop, without PyNN.

Builds kernel networks directly through ``pynn_spinn_virtual._kernel`` and prints, for 1 and
N threads (N = the machine's cores by default):

- neuron updates: 64 cores x 256 IF_curr_exp neurons without synaptic input (a constant
  I_offset makes some of them fire), nothing recorded; then the same with every spike and
  V recorded every tick;
- static delivery: spike-source-array cores whose 256 atoms all fire every tick, each atom
  with a row of `--row` random words into every target core (random index, type and delay);
- scattered static delivery: 64 source cores whose atoms fire with probability 0.05 per
  tick, rows of 8 words into each of 64 target cores (34 MB of rows, more than the caches
  hold: finding and fetching each row costs more than its words);
- plastic delivery: the same with STDP rows (pair rule, additive weights) into targets that
  fire (so the post-synaptic histories are not empty).

Synaptic events are counted exactly by the kernel (its load counters: row length x count
per spike).  "per thread" divides by the threads used.  The delivery rate is given twice:
over the whole run, and over the run minus the same network run with empty rows (an
estimate of the delivery loop alone).  Each figure is the best of `--repeat` runs (the
machine may be busy).  No assertion on timings anywhere: this only prints.

    python benchmarks/kernel_micro.py [--threads 1 2] [--repeat 3] [--kernel path/to/_kernel.so]
"""
import argparse
import glob
import importlib.util
import os
import platform
import time

import numpy as np

S = 1 << 15
N_NEURONS = 256
INDEX_BITS, TYPE_BITS, DELAY_BITS = 8, 1, 4


def load_kernel(path=None):
    """The extension module, loaded by path so that PyNN is not imported."""
    if path is None:
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pynn_spinn_virtual")
        paths = sorted(glob.glob(os.path.join(root, "_kernel*.so"))
                       + glob.glob(os.path.join(root, "_kernel*.pyd")))
        if not paths:
            raise SystemExit("build the kernel first: python setup.py build_ext --inplace")
        path = paths[0]
    spec = importlib.util.spec_from_file_location("pynn_spinn_virtual._kernel", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lif_core(K, net, rng, n=N_NEURONS, i_offset=(0.0, 1.2)):
    """An IF_curr_exp core (tau_m 20 ms, cm 1 nF, tau_syn 5 ms, 1 ms ticks) whose neurons get
    a constant current drawn in `i_offset` nA (1 nA makes V cross the threshold)."""
    mem = np.zeros(n, K.component_dtype("membrane:lif"))
    mem["V_membrane"] = rng.randint(-65 * S, -50 * S, n)
    mem["V_rest"] = -65 * S
    mem["R_membrane"] = 20 * S
    mem["exp_TC"] = 31170                        # e^(-1/20)
    mem["I_offset"] = (rng.uniform(*i_offset, n) * S).astype(np.int32)
    mem["V_reset"] = -65 * S
    mem["T_refract"] = 2
    syn = np.zeros(n, K.component_dtype("synapse:exponential"))
    syn["exc_decay"], syn["exc_init"] = 3516421809, 3892727437
    syn["inh_decay"], syn["inh_init"] = 3516421809, 3892727437
    thr = np.zeros(n, K.component_dtype("threshold:static"))
    thr["threshold_value"] = -50 * S
    ring = np.zeros((1 << DELAY_BITS) << (TYPE_BITS + INDEX_BITS), np.uint16)
    arrays = {"membrane": mem, "synapse": syn, "input": None, "threshold": thr}
    core = net.add_neuron_core("if_curr_exp", n, 2, INDEX_BITS, TYPE_BITS, DELAY_BITS,
                               [12, 12], arrays, ring)
    return core, (mem, syn, thr, ring)


def firing_source(net, n_ticks, rng, p_fire=1.0, n=N_NEURONS):
    """A spike-source array whose n atoms fire at each tick with probability p_fire (all of
    them at every tick for 1.0)."""
    ticks = np.repeat(np.arange(n_ticks, dtype=np.uint32), n)
    indices = np.tile(np.arange(n, dtype=np.uint32), n_ticks)
    if p_fire < 1.0:
        chosen = rng.rand(len(ticks)) < p_fire
        ticks, indices = ticks[chosen], indices[chosen]
    return net.add_spike_array_core(n, ticks, indices)


def random_fields(rng, n_words):
    """Low halves of synaptic words: random index, type and delay 1..16 (16 = field 0)."""
    index = rng.randint(0, N_NEURONS, n_words)
    types = rng.randint(0, 2, n_words)
    delays = rng.randint(1, (1 << DELAY_BITS) + 1, n_words) & ((1 << DELAY_BITS) - 1)
    return (delays << (INDEX_BITS + TYPE_BITS)) | (types << INDEX_BITS) | index


def offsets_for(row_length, n_keys):
    return (np.arange(n_keys + 1, dtype=np.int64) * row_length).astype(np.uint32)


def neuron_network(K, n_threads, n_cores, record, lanes=True):
    rng = np.random.RandomState(1)
    net = K.Network(n_threads=n_threads)
    if hasattr(net, "neuron_lanes"):          # builds before the lane update have no switch
        net.neuron_lanes = lanes
    keep = []
    for _ in range(n_cores):
        core, arrays = lif_core(K, net, rng)
        keep.append(arrays)
        if record:
            spikes = np.zeros((record, (N_NEURONS + 31) // 32), np.uint32)
            v = np.zeros((record, N_NEURONS), np.int32)
            columns = np.arange(N_NEURONS, dtype=np.int32)
            net.set_recording(core, spikes=spikes, analog=[(0, columns, 1, 0, v)])
            keep.append((spikes, v))
    return net, keep


def delivery_network(K, n_threads, n_ticks, n_sources, n_targets, row, plastic, empty=False,
                     p_fire=1.0):
    """Sources whose atoms fire with probability p_fire per tick, into every target with
    rows of `row` words per atom."""
    rng = np.random.RandomState(2)
    net = K.Network(n_threads=n_threads)
    keep = []
    sources = [firing_source(net, n_ticks, rng, p_fire) for _ in range(n_sources)]
    length = 0 if empty else row
    for _ in range(n_targets):
        # plastic targets fire (0.9-1.3 nA) so that their post histories fill up
        target, arrays = lif_core(K, net, rng, i_offset=(0.9, 1.3) if plastic else (0.0, 0.5))
        keep.append(arrays)
        if plastic:
            history = np.zeros(N_NEURONS, K.stdp_history_dtype())
            lut_plus = (2048 * np.exp(-np.arange(150) / 16.7)).astype(np.int16)
            lut_minus = (2048 * np.exp(-np.arange(300) / 33.7)).astype(np.int16)
            net.set_plasticity(target, "pair", "additive", lut_plus, lut_minus, [0, 0],
                               [4000, 4000], [400, 400], [480, 480], True, history)
            keep.append(history)
        for source in sources:
            n_words = N_NEURONS * length
            offsets = offsets_for(length, N_NEURONS)
            fields = random_fields(rng, n_words)
            weights = rng.randint(0, 256, n_words)
            if plastic:
                controls = fields.astype(np.uint16)
                w = weights.astype(np.uint16)
                state = np.zeros(N_NEURONS, K.stdp_row_state_dtype())
                net.add_plastic_incoming(target, source, offsets, controls, w, state)
                keep.append((offsets, controls, w, state))
            else:
                words = ((weights << 16) | fields).astype(np.uint32)
                net.add_incoming(target, source, offsets, words)
                keep.append((offsets, words))
    return net, keep


def timed_run(net, n_ticks):
    t0 = time.perf_counter()
    net.run(0, n_ticks)
    return time.perf_counter() - t0


def best_time(build, n_ticks, repeat):
    """The fastest of `repeat` runs of fresh networks, and the last network."""
    best = None
    for _ in range(repeat):
        net, keep = build()
        elapsed = timed_run(net, n_ticks)
        best = elapsed if best is None else min(best, elapsed)
    return best, net, keep


def events_of(net, key):
    return sum(net.load_counters(c).get(key, 0) for c in range(net.n_cores))


def bench_neurons(K, threads, repeat, n_cores=64, n_ticks=1000):
    """Neuron updates per second, with the lane update (8 neurons at a time) where the
    processor has it, and with the scalar update ("scalar" rows) for comparison."""
    rows = []
    updates_used = [True, False] if getattr(K, "lanes_available", lambda: False)() else [False]
    for lanes in updates_used:
        for record in (0, n_ticks):
            for n_threads in threads:
                elapsed, net, _ = best_time(
                    lambda: neuron_network(K, n_threads, n_cores, record, lanes), n_ticks, repeat)
                updates = events_of(net, "neuron_updates")
                spikes = events_of(net, "spikes_out")
                what = "neurons, spikes+v recorded" if record else "neurons, nothing recorded"
                if len(updates_used) > 1 and not lanes:
                    what += ", scalar"
                rows.append((what, n_threads, elapsed, updates, spikes,
                             updates / elapsed / n_threads, None))
    return rows


def bench_delivery(K, threads, repeat, plastic, row, n_ticks, n_sources=4, n_targets=8,
                   p_fire=1.0):
    key = "plastic_events" if plastic else "synaptic_events"
    rows = []
    for n_threads in threads:
        build = (lambda empty: lambda: delivery_network(K, n_threads, n_ticks, n_sources,
                                                        n_targets, row, plastic, empty,
                                                        p_fire))
        elapsed, net, _ = best_time(build(False), n_ticks, repeat)
        base, _, _ = best_time(build(True), n_ticks, repeat)
        events = events_of(net, key)
        spikes = events_of(net, "spikes_out")
        what = f"{'plastic' if plastic else 'static'} delivery, rows of {row}"
        if p_fire < 1.0:
            what = f"static, {n_sources}x{n_targets} cores, rows of {row}"
        loop = events / max(elapsed - base, 1e-9) / n_threads
        rows.append((what, n_threads, elapsed, events, spikes,
                     events / elapsed / n_threads, loop))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+",
                        default=sorted({1, os.cpu_count() or 1}))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--row", type=int, default=64, help="static row length (words)")
    parser.add_argument("--plastic-row", type=int, default=16, help="plastic row length")
    parser.add_argument("--ticks", type=int, default=200, help="ticks of the delivery runs")
    parser.add_argument("--kernel", default=None, help="path of a _kernel .so to measure")
    parser.add_argument("--only", choices=["neurons", "static", "scattered", "plastic"],
                        nargs="+", default=["neurons", "static", "scattered", "plastic"])
    args = parser.parse_args()
    K = load_kernel(args.kernel)
    print(f"kernel {K.__file__}")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"python {platform.python_version()}, best of {args.repeat}")
    rows = []
    if "neurons" in args.only:
        rows += bench_neurons(K, args.threads, args.repeat)
    if "static" in args.only:
        rows += bench_delivery(K, args.threads, args.repeat, False, args.row, args.ticks)
    if "scattered" in args.only:
        # many short rows spread over more memory than the caches hold, sources firing
        # sparsely (a large network): the cost of finding and fetching each row dominates
        rows += bench_delivery(K, args.threads, args.repeat, False, 8, args.ticks,
                               n_sources=64, n_targets=64, p_fire=0.05)
    if "plastic" in args.only:
        rows += bench_delivery(K, args.threads, args.repeat, True, args.plastic_row,
                               args.ticks)
    header = (f"{'benchmark':<34} {'thr':>3} {'run s':>8} {'work':>12} {'spikes':>10} "
              f"{'M/s/thread':>11} {'loop M/s/thr':>13}")
    print(header)
    print("-" * len(header))
    for what, n_threads, elapsed, work, spikes, rate, loop in rows:
        loop_text = f"{loop / 1e6:13.1f}" if loop is not None else f"{'':>13}"
        print(f"{what:<34} {n_threads:>3} {elapsed:8.3f} {work:>12} {spikes:>10} "
              f"{rate / 1e6:11.1f} {loop_text}")
    print("work: neuron-ticks (neuron rows) or synaptic events (delivery rows), counted by the "
          "kernel;\nloop M/s/thr: events / (run - the same run with empty rows) / threads")


if __name__ == "__main__":
    main()
