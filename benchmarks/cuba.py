"""CUBA benchmark (Vogels & Abbott 2005, current-based), written in plain PyNN.

4000 IF_curr_exp neurons (80 % excitatory, 20 % inhibitory), FixedProbability p = 0.02,
dt = 1 ms, 1 s simulated, all spikes recorded.  Activity is started by Poisson-like input
(drawn with numpy and played through SpikeSourceArrays, so every simulator gets the same
input) into the first 20 neurons during the first 50 ms.

Runs every simulator asked for (default: this backend, pyNN.nest and pyNN.brian2 when they
import) in its own processes, best of --repeat, and prints build, run and extract (get_data)
times, the ratios to this backend, spikes and rates (a wrong-but-fast run shows there), the
synaptic events per second and the peak memory of each simulator's process.

    python benchmarks/cuba.py [--simulators pynn_spinn_virtual nest brian2] [--n 4000]
        [--p 0.02] [--threads 2] [--repeat 3] [--peer-timeout 600]
        [--python brian2=/path/to/python]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as common  # noqa: E402

N_DEFAULT = 4000
P_CONNECT = 0.02
SIM_MS = 1000.0
DT = 1.0
#: CUBA's synapses per neuron (4000 x 0.02): weights are scaled by K_CUBA / (p n) for other
#: sizes, so that every neuron gets the input of the original model
K_CUBA = 80.0


def build(sim, n, p=P_CONNECT, seed=1234, weight_scale=None):
    """The CUBA network on `sim` (after setup()): (exc, inh, projections)."""
    n_exc = int(0.8 * n)
    n_inh = n - n_exc
    cell = dict(cm=0.2, tau_m=20.0, tau_refrac=5.0, v_rest=-49.0, v_thresh=-50.0,
                v_reset=-60.0, tau_syn_E=5.0, tau_syn_I=10.0, i_offset=0.0)
    rng = np.random.RandomState(seed)
    exc = sim.Population(n_exc, sim.IF_curr_exp(**cell), label="exc")
    inh = sim.Population(n_inh, sim.IF_curr_exp(**cell), label="inh")
    v_init = rng.uniform(-60.0, -50.0, n)
    exc.initialize(v=v_init[:n_exc])
    inh.initialize(v=v_init[n_exc:])
    n_stim = 20
    stim_times = [np.unique(np.round(rng.uniform(0, 50, rng.poisson(1.0)) + 2)).tolist() or [2.0]
                  for _ in range(n_stim)]
    stim = sim.Population(n_stim, sim.SpikeSourceArray(spike_times=stim_times), label="stim")
    if weight_scale is None:
        weight_scale = K_CUBA / (p * n)
    w_exc = 1e-3 * 0.27 * (0.0 - -60.0) * weight_scale      # 0.0162 nA in CUBA
    w_inh = 1e-3 * 4.5 * (-80.0 - -60.0) * weight_scale     # -0.09 nA in CUBA
    prng = sim.NumpyRNG(seed=seed)
    conn = sim.FixedProbabilityConnector(p, rng=prng)
    projections = []
    for pre, w, receptor in ((exc, w_exc, "excitatory"), (inh, w_inh, "inhibitory")):
        for post in (exc, inh):
            projections.append(sim.Projection(pre, post, conn,
                                              sim.StaticSynapse(weight=w, delay=DT),
                                              receptor_type=receptor))
    sim.Projection(stim, exc[:n_stim], sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=2.0, delay=DT), receptor_type="excitatory")
    exc.record("spikes")
    inh.record("spikes")
    return exc, inh, projections


def measure(sim, name, args):
    """Build, run and extract CUBA on `sim`; timings, counts and memory."""
    timer = common.Timer()
    common.setup(sim, name, args.threads, DT)
    exc, inh, projections = build(sim, args.n, args.p, weight_scale=args.weight_scale)
    build_s = timer.mark("build")
    map_s = common.map_and_load(sim, name)
    sim.run(args.time)
    run_s = timer.mark("run")
    trains = {pop.label: pop.get_data("spikes").segments[0].spiketrains for pop in (exc, inh)}
    extract_s = timer.mark("extract")
    counts = {label: np.array([len(t) for t in st]) for label, st in trains.items()}
    peak = common.peak_mb()            # before reading the connections back (not timed)
    synapses = 0
    events = 0.0
    for proj in projections:
        size = proj.size()
        synapses += size
        # spikes of the source population x its mean out-degree in this projection
        events += counts[proj.pre.label].sum() * size / proj.pre.size
    spikes = int(sum(c.sum() for c in counts.values()))
    seconds = args.time / 1000.0
    sim.end()
    return dict(build=build_s, run=run_s, extract=extract_s, map=map_s,
                loop=None if map_s is None else run_s - map_s, spikes=spikes,
                rate=spikes / args.n / seconds,
                rate_exc=float(counts["exc"].mean() / seconds),
                rate_inh=float(counts["inh"].mean() / seconds),
                silent=float((np.concatenate(list(counts.values())) == 0).mean()),
                synapses=int(synapses), events=float(events), peak_sim_mb=peak)


def add_options(parser, n=N_DEFAULT, p=P_CONNECT):
    parser.add_argument("--n", type=int, default=n, help="neurons")
    parser.add_argument("--p", type=float, default=p, help="connection probability")
    parser.add_argument("--weight-scale", type=float, default=None,
                        help="weight factor (default: 80 / (p n), CUBA's input per neuron)")
    parser.add_argument("--time", type=float, default=SIM_MS, help="ms simulated")
    return ["n", "p", "weight-scale", "time"]


def report(results, args, targets):
    """The table, the ratios to this backend, and the targets."""
    ours = dict(results).get(common.OURS)
    rows = []
    errors = []
    for name, r in results:
        if "error" in r:
            rows.append([name] + ["-"] * 15)
            errors.append(f"{name}: {r['error']}")
            continue
        ob = ours and "error" not in ours
        rows.append([
            name, common.fmt(r["import"], ".2f"), common.fmt(r["build"], ".2f"),
            common.fmt(r["run"], ".3f"), common.fmt(r.get("map"), ".3f"),
            common.fmt(r.get("compile"), ".1f"),
            common.fmt(r["extract"], ".3f"),
            common.fmt(args.time / 1000.0 / r["run"], ".1f"),
            common.fmt(common.ratio(r["build"], ours["build"]) if ob else None, ".1f"),
            common.fmt(common.ratio(r["run"], ours["run"]) if ob else None, ".1f"),
            f"{r['synapses']:,}", f"{r['spikes']:,}",
            f"{r['rate_exc']:.2f}/{r['rate_inh']:.2f}", f"{100 * r['silent']:.0f}",
            common.fmt(r["events"] / r["run"] / 1e6, ".1f"), f"{r['peak_sim_mb']:.0f}"])
    common.table(["simulator", "import s", "build s", "run s", "of which map s", "compile s", "extract s",
                  "x realtime", "build/ours", "run/ours", "synapses", "spikes",
                  "rate E/I Hz", "silent %", "Mevents/s", "peak MB"], rows)
    for line in errors:
        print(line)
    common.print_versions(results)
    print("run s: from run() to its return, this backend's mapping and loading included "
          "(shown apart as 'of which map s');")
    print("build/ours, run/ours: the simulator's time over this backend's (how many times "
          "faster this backend is); compile: brian2's code generation + compilation (first "
          "run minus the best); Mevents/s: spikes x mean out-degree / run s; silent: neurons "
          "that never fired; peak MB: getrusage max RSS of the simulator's process")
    if ours is None or "error" in ours:
        return
    print("targets:")
    for what, fn in targets:
        fn(ours, dict(results))


def targets(args):
    def realtime(ours, all_results):
        common.verdict("run faster than real time", args.time / 1000.0 / ours["run"], 20)

    def vs_nest(key, target, label):
        def check(ours, all_results):
            nest = all_results.get("nest")
            value = (common.ratio(nest[key], ours[key])
                     if nest is not None and "error" not in nest else None)
            common.verdict(label, value, target)
        return check

    return [("realtime", realtime), ("run", vs_nest("run", 5, "run faster than pyNN.nest")),
            ("build", vs_nest("build", 5, "build faster than pyNN.nest"))]


def main():
    parser = common.parser(__doc__)
    options = add_options(parser)
    args = parser.parse_args()
    results = common.run_all(__file__, args, options, measure)
    if results is None:
        return
    common.print_header(f"CUBA: {args.n} neurons, p = {args.p}, dt = {DT} ms, "
                        f"{args.time:.0f} ms simulated, all spikes recorded", args)
    report(results, args, targets(args))


if __name__ == "__main__":
    main()
