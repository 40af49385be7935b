"""CUBA scaled up: 20,000 IF_curr_exp neurons with 1000 synapses per neuron (p = 0.05).

The model of benchmarks/cuba.py (80 % excitatory, 20 % inhibitory, dt = 1 ms, 1 s, all
spikes recorded), with FixedProbability p = 0.05 (20 M synapses) and the weights scaled by
80 / 1000 so that every neuron gets CUBA's mean input.  pyNN.nest builds this through PyNN's
connectors one post-synaptic neuron at a time, which takes minutes: skip it with
--simulators, or bound it with --peer-timeout.

    python benchmarks/cuba_scaled.py [--simulators pynn_spinn_virtual nest] [--n 20000]
        [--p 0.05] [--threads 2] [--repeat 3] [--peer-repeat 1] [--peer-timeout 900]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as common  # noqa: E402
import cuba  # noqa: E402

N_SCALED = 20000
P_SCALED = 0.05


def targets(args):
    def build_abs(ours, all_results):
        common.verdict("build time", ours["build"], 10, higher=False, unit=" s")

    def run_abs(ours, all_results):
        common.verdict("run time (1 s at dt = 1 ms)", ours["run"], 2, higher=False, unit=" s")

    def build_vs_nest(ours, all_results):
        nest = all_results.get("nest")
        value = (common.ratio(nest["build"], ours["build"])
                 if nest is not None and "error" not in nest else None)
        common.verdict("build faster than pyNN.nest", value, 30)

    return [("build", build_abs), ("run", run_abs), ("nest", build_vs_nest)]


def main():
    parser = common.parser(__doc__)
    options = cuba.add_options(parser, n=N_SCALED, p=P_SCALED)
    args = parser.parse_args()
    results = common.run_all(__file__, args, options, cuba.measure)
    if results is None:
        return
    common.print_header(f"CUBA scaled: {args.n} neurons, p = {args.p} "
                        f"({args.p * args.n:.0f} synapses per neuron), dt = {cuba.DT} ms, "
                        f"{args.time:.0f} ms simulated, all spikes recorded", args)
    cuba.report(results, args, targets(args))


if __name__ == "__main__":
    main()
