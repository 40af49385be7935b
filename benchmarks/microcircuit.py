"""The Potjans & Diesmann (2014) cortical microcircuit, at any scale, on every simulator.

Uses ``build()`` of examples/microcircuit/microcircuit.py (published connection
probabilities as fixed total numbers of synapses, normally distributed weights and delays,
Poisson background), dt = 0.1 ms by default, 1 s simulated.  Prints build, run and
extract times, peak memory and bytes per synapse, the firing rate of every population (of
the recorded fraction) so that a wrong-but-fast run is visible, and for this backend the
mapping: cores, chips and boards of the HBP machine the model needs.

The full scale (77,169 neurons, ~0.3 G synapses) needs tens of GB on some simulators; the
default scale 0.1 runs in minutes.

    python benchmarks/microcircuit.py [--scale 0.1] [--dt 0.1] [--time 1000]
        [--simulators pynn_spinn_virtual nest brian2] [--peer-timeout 1200]
        [--machine hbp]
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as common  # noqa: E402

sys.path.insert(0, os.path.join(common.REPO, "examples", "microcircuit"))
import microcircuit as model  # noqa: E402

GiB = 2 ** 30


class _PeerSim:
    """A PyNN backend without this backend's Population(..., seed=) option (the example
    seeds its Poisson sources with it; the peers seed through setup(rng_seed=))."""

    def __init__(self, sim):
        self._sim = sim

    def __getattr__(self, name):
        return getattr(self._sim, name)

    def Population(self, *args, seed=None, **kwargs):
        return self._sim.Population(*args, **kwargs)


def measure(sim, name, args):
    timer = common.Timer()
    base_mb = common.peak_mb()
    extra = {}
    if name == common.OURS and args.machine:
        extra["machine"] = args.machine
    elif name == "nest":
        extra["rng_seed"] = 12345
    common.setup(sim, name, args.threads, args.dt, **extra)
    if name != common.OURS:
        sim_for_build = _PeerSim(sim)
    else:
        sim_for_build = sim
    pops = model.build(sim_for_build, args.scale, args.dt, record_fraction=args.record_fraction)
    build_s = timer.mark("build")
    map_s = common.map_and_load(sim, name)
    sim.run(args.time)
    run_s = timer.mark("run")
    trains = model.recorded_spikes(pops)
    extract_s = timer.mark("extract")
    peak = common.peak_mb()
    seconds = args.time / 1000.0
    rates = {p: float(np.mean([len(t) for t in st]) / seconds) for p, st in trains.items()}
    recorded = {p: len(st) for p, st in trains.items()}
    neurons = sum(p.size for p in pops.values())
    if name == common.OURS:
        synapses = int(sum(p.size() for p in sim.simulator.state.projections))
    else:
        import gc
        synapses = 0
        for obj in gc.get_objects():
            if isinstance(obj, sim.Projection):
                synapses += obj.size()
    result = dict(build=build_s, run=run_s, extract=extract_s, map=map_s, rates=rates,
                  recorded=recorded, neurons=int(neurons), synapses=int(synapses),
                  peak_sim_mb=peak, base_mb=base_mb)
    if name == common.OURS:
        from pynn_spinn_virtual import job_summary
        state = sim.simulator.state
        t0 = time.perf_counter()
        summary = job_summary.mapping_summary(state.mapping, state)
        result["mapping"] = {k: summary[k] for k in ("machine", "cores", "chips_used",
                                                     "boards_used", "sdram_per_chip")}
        result["mapping_summary_s"] = time.perf_counter() - t0
    sim.end()
    return result


def main():
    parser = common.parser(__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--dt", type=float, default=0.1)
    parser.add_argument("--time", type=float, default=1000.0)
    parser.add_argument("--record-fraction", type=float, default=0.1,
                        help="fraction of each population whose spikes are recorded")
    parser.add_argument("--machine", default="hbp",
                        help="this backend's machine (setup(machine=)); '' to size it to "
                             "the model")
    args = parser.parse_args()
    results = common.run_all(__file__, args, ["scale", "dt", "time", "record-fraction",
                                              "machine"], measure)
    if results is None:
        return
    common.print_header(f"Cortical microcircuit: scale {args.scale}, dt = {args.dt} ms, "
                        f"{args.time:.0f} ms simulated, spikes of {args.record_fraction:.0%} "
                        f"of each population recorded", args)
    ours = dict(results).get(common.OURS)
    rows, errors = [], []
    for name, r in results:
        if "error" in r:
            rows.append([name] + ["-"] * 12)
            errors.append(f"{name}: {r['error']}")
            continue
        ob = ours is not None and "error" not in ours
        rows.append([
            name, f"{r['neurons']:,}", f"{r['synapses']:,}", f"{r['build']:.2f}",
            f"{r['run']:.2f}", common.fmt(r.get("map"), ".2f"),
            common.fmt(r.get("compile"), ".1f"), f"{r['extract']:.3f}",
            f"{args.time / 1000.0 / r['run']:.2f}",
            common.fmt(common.ratio(r["build"], ours["build"]) if ob else None, ".1f"),
            common.fmt(common.ratio(r["run"], ours["run"]) if ob else None, ".1f"),
            f"{r['peak_sim_mb']:.0f}",
            f"{r['peak_sim_mb'] * 2 ** 20 / max(r['synapses'], 1):.1f}"])
    common.table(["simulator", "neurons", "synapses", "build s", "run s", "of which map s",
                  "compile s",
                  "extract s", "x realtime", "build/ours", "run/ours", "peak MB",
                  "peak B/syn"], rows)
    for line in errors:
        print(line)
    print("rates (Hz, mean over the recorded neurons):")
    rate_rows = [[name] + [f"{r['rates'][p]:.2f}" for p in model.POPULATIONS]
                 for name, r in results if "error" not in r]
    common.table(["simulator"] + model.POPULATIONS, rate_rows)
    common.print_versions(results)
    if ours is None or "error" in ours:
        return
    m = ours["mapping"]
    print(f"mapping (this backend, {m['machine']}): {m['cores']['total']} cores "
          f"({m['cores']['neuron']} neuron, {m['cores']['source']} source, "
          f"{m['cores']['delay']} delay), {m['chips_used']} chips, {m['boards_used']} boards; "
          f"SDRAM of the fullest chip {m['sdram_per_chip']['max_bytes'] / 2 ** 20:.1f} MB")
    print("targets (full scale; at this scale for information):")
    common.verdict("build time", ours["build"], 60, higher=False, unit=" s")
    common.verdict("run time (1 s)", ours["run"], 10, higher=False, unit=" s")
    allowed = (6 * ours["synapses"] + GiB) / 2 ** 20
    common.verdict("peak memory, MB (6 B/synapse + 1 GiB)", ours["peak_sim_mb"], allowed,
                   higher=False, unit=" MB")


if __name__ == "__main__":
    main()
