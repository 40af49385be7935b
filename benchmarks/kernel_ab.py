"""Compare builds of the C kernel on one network, interleaved in one process (a developer's
tool for kernel changes).

A shared virtual machine's speed drifts by 10-30 % between runs a few seconds apart (other
tenants share its caches and memory bandwidth), so two kernel builds timed in separate
processes cannot be told apart below that.  This tool builds and maps the network once,
then simulates the same stretch with each build in turn, round after round: ``sim.reset()``
before each run, so every run simulates the same thing from the same state, and the
builds meet the same drift.  It prints each build's median and best time and checks that
every build gave the same work and spikes, core by core (the kernel's load counters): a
change that makes the kernel faster must not change a bit.

    python benchmarks/kernel_ab.py [--network cuba|microcircuit] [--scale 0.1] [--time 100]
        [--rounds 10] [--threads 2] OLD/_kernel*.so NEW/_kernel*.so [...]

Build each variant with ``python setup.py build_ext --inplace`` in its own checkout (a git
worktree) and pass the ``_kernel`` shared objects; the Python package is this checkout's.
A path followed by ``@scalar`` runs that build with the scalar neuron update
(``PYNN_SPINN_VIRTUAL_NEURON_LANES=0``), e.g. ``kernel_ab.py K.so@scalar K.so`` measures
what updating neurons 8 at a time gives.
"""
import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from kernel_micro import load_kernel  # noqa: E402  (by path, under the package's name)


def build_network(sim, args):
    if args.network == "cuba":
        import cuba
        sim.setup(timestep=1.0, min_delay=1.0, n_threads=args.threads)
        cuba.build(sim, int(round(4000 * args.scale)), 0.02)
    else:
        sys.path.insert(0, os.path.join(HERE, "..", "examples", "microcircuit"))
        import microcircuit
        sim.setup(timestep=0.1, n_threads=args.threads)
        microcircuit.build(sim, args.scale, 0.1)


def use_kernel(module):
    """Later kernel networks are built by `module` (the loaded network is rebuilt over the
    same arrays: no state is lost)."""
    from pynn_spinn_virtual import engine, loaded_cores
    engine._kernel = loaded_cores._kernel = module


def load_counters(kernel):
    """Every core's load counters, one array (the work done and the spikes sent)."""
    return np.array([value for core in range(kernel.n_cores)
                     for _, value in sorted(kernel.load_counters(core).items())], dtype=np.int64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kernels", nargs="+", help="paths of _kernel shared objects")
    parser.add_argument("--network", choices=["cuba", "microcircuit"], default="cuba")
    parser.add_argument("--scale", type=float, default=None,
                        help="network scale (default: 1 for cuba, 0.1 for the microcircuit)")
    parser.add_argument("--time", type=float, default=None,
                        help="ms simulated per run (default: 1000 for cuba, 100 for the "
                             "microcircuit)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if args.scale is None:
        args.scale = 1.0 if args.network == "cuba" else 0.1
    if args.time is None:
        args.time = 1000.0 if args.network == "cuba" else 100.0
    warnings.simplefilter("ignore")
    import logging
    logging.disable(logging.WARNING)
    import pynn_spinn_virtual as sim

    names = list(args.kernels)
    paths = [name[:-len("@scalar")] if name.endswith("@scalar") else name for name in names]
    modules = [load_kernel(path) for path in paths]
    build_network(sim, args)
    state = sim.simulator.state
    state.ensure_loaded()
    times = {name: [] for name in names}
    reference = None
    for _ in range(args.rounds):
        for name, module in zip(names, modules):
            sim.reset()
            use_kernel(module)
            os.environ["PYNN_SPINN_VIRTUAL_NEURON_LANES"] = "0" if name.endswith("@scalar") else "1"
            state.loaded._rebuild_kernel()
            t0 = time.perf_counter()
            sim.run(args.time)
            times[name].append(time.perf_counter() - t0)
            counters = load_counters(state.loaded.kernel)
            if reference is None:
                reference = (name, counters)
            elif not np.array_equal(counters, reference[1]):
                raise SystemExit(f"{name} did other work or sent other spikes than "
                                 f"{reference[0]}: the builds do not compute the same thing")
    sim.end()
    print(f"{args.network}, scale {args.scale}, {args.time:g} ms a run, {args.threads} "
          f"threads, {args.rounds} rounds; every build did the same work and sent the same "
          f"spikes")
    width = max(len(name) for name in names)
    print(f"{'kernel':<{width}}  {'median s':>9}  {'best s':>9}  {'median / first':>14}")
    first = statistics.median(times[names[0]])
    for name in names:
        median = statistics.median(times[name])
        print(f"{name:<{width}}  {median:9.4f}  {min(times[name]):9.4f}  {median / first:14.3f}")


if __name__ == "__main__":
    main()
