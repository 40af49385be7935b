"""Build and run time against network size: CUBA (benchmarks/cuba.py) at several sizes.

Runs cuba.py's measurement in a new process per simulator, size and repetition (best of
--repeat), prints a table and saves a log-log plot of build and run time against the number
of synapses (docs/performance_scaling.png by default) and the numbers as JSON.

    python benchmarks/scaling.py [--sizes 1000 2000 4000 8000 16000] [--p 0.02]
        [--simulators pynn_spinn_virtual nest] [--peer-max-n 4000] [--repeat 2]
        [--output docs/performance_scaling.png]
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as common  # noqa: E402

CUBA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cuba.py")


def main():
    parser = common.parser(__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000, 16000])
    parser.add_argument("--p", type=float, default=0.02)
    parser.add_argument("--peer-max-n", type=int, default=4000,
                        help="largest size the peers are run at (PyNN's connectors are slow)")
    parser.add_argument("--output", default=os.path.join(common.REPO, "docs",
                                                         "performance_scaling.png"))
    args = parser.parse_args()
    names = args.simulators or [common.OURS, "nest"]
    python = common.python_for(args)
    results = {name: [] for name in names}
    workdir = common.tempfile.mkdtemp(prefix="pynn_scaling_")
    for n in args.sizes:
        for name in names:
            if name != common.OURS and n > args.peer_max_n:
                continue
            repeat = args.repeat if name == common.OURS else (args.peer_repeat or args.repeat)
            argv = ["--threads", str(args.threads), "--n", str(n), "--p", str(args.p)]
            if args.no_reports:
                argv.append("--no-reports")
            runs = []
            for _ in range(repeat):
                print(f"  {name} n={n} ...", file=sys.stderr, flush=True)
                r = common.run_child(CUBA, name, argv, python(name),
                                     None if name == common.OURS else args.peer_timeout, workdir)
                runs.append(r)
                if "error" in r:
                    break
            best = common.best_of(runs)
            best["n"] = n
            results[name].append(best)
    common.shutil.rmtree(workdir, ignore_errors=True)
    print(f"CUBA scaling: p = {args.p}, dt = 1 ms, 1 s simulated")
    print(f"machine: {common.machine_info()}; threads {args.threads}; best of {args.repeat}")
    rows = []
    for name, runs in results.items():
        for r in runs:
            if "error" in r:
                rows.append([name, str(r["n"]), r["error"], "", "", "", "", ""])
                continue
            rows.append([name, f"{r['n']:,}", f"{r['synapses']:,}", f"{r['build']:.3f}",
                         f"{r['run']:.3f}", common.fmt(r.get("map"), ".3f"),
                         f"{r['rate']:.2f}", f"{r['peak_sim_mb']:.0f}"])
    common.table(["simulator", "neurons", "synapses", "build s", "run s", "of which map s",
                  "rate Hz", "peak MB"], rows)
    base = os.path.splitext(args.output)[0]
    with open(base + ".json", "w") as f:
        json.dump({"machine": common.machine_info(), "p": args.p, "results": results}, f,
                  indent=1)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    colours = {common.OURS: "tab:red", "nest": "tab:blue", "brian2": "tab:green"}
    for ax, key, title in ((axes[0], "build", "build"), (axes[1], "run", "run (1 s simulated)")):
        for name, runs in results.items():
            good = [r for r in runs if "error" not in r]
            if not good:
                continue
            x = [r["synapses"] for r in good]
            ax.loglog(x, [r[key] for r in good], "o-", color=colours.get(name), label=name)
            if key == "run" and name == common.OURS:
                ax.loglog(x, [r["run"] - r["map"] for r in good], "o--",
                          color=colours.get(name), alpha=0.6,
                          label=f"{name}: time loop (run - map)")
            for r in good:
                ax.annotate(f"{r['n'] // 1000}k", (r["synapses"], r[key]), fontsize=7,
                            xytext=(3, 3), textcoords="offset points")
        if key == "run":
            ax.axhline(1.0, color="grey", lw=0.8, ls=":")
            ax.text(ax.get_xlim()[0], 1.05, "real time", fontsize=7, color="grey")
        ax.set_xlabel("synapses")
        ax.set_title(f"CUBA, p = {args.p}: {title}")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("wall-clock time (s)")
    axes[1].legend(fontsize=7)
    fig.suptitle(f"{common.machine_info()}, {args.threads} threads", fontsize=8)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"plot: {args.output}")


if __name__ == "__main__":
    main()
