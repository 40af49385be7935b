"""A synfire chain on the virtual SpiNNaker: the project's main demo.

Ten groups of 100 IF_curr_exp neurons, each group exciting the next (all-to-all, delays of
1..16 ms), the first kicked by a SpikeSourceArray.  Writes a raster + membrane-voltage figure
and the Neo data (pickle) to the output folder, and prints a short summary.

    python examples/synfire.py [--output DIR] [--toolchain 6]
"""
import argparse
import os
import pickle

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import pynn_spinn_virtual as sim  # noqa: E402

N_GROUPS = 10
GROUP_SIZE = 100
RUN_MS = 250.0
WEIGHT = 0.21


def build_and_run(toolchain="6"):
    sim.setup(timestep=1.0, toolchain=toolchain)
    kick = sim.Population(GROUP_SIZE, sim.SpikeSourceArray(spike_times=[10.0, 11.0, 12.0]),
                          label="kick")
    groups = [sim.Population(GROUP_SIZE, sim.IF_curr_exp(tau_refrac=2.0), label=f"group{g}")
              for g in range(N_GROUPS)]
    chain = sim.Assembly(*groups)
    chain.record("spikes")
    groups[0].record("v")
    groups[N_GROUPS - 1].record("v")
    sim.Projection(kick, groups[0], sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=6.0, delay=1.0), receptor_type="excitatory")
    rng = sim.NumpyRNG(seed=4242)
    for g in range(N_GROUPS - 1):
        # every link has its own delay, from 1 to 16 ticks (the on-core range)
        delay = float(1 + (7 * g) % 16)
        sim.Projection(groups[g], groups[g + 1],
                       sim.FixedProbabilityConnector(0.3, rng=rng),
                       sim.StaticSynapse(weight=WEIGHT, delay=delay),
                       receptor_type="excitatory")
    sim.run(RUN_MS)
    data = {g.label: g.get_data() for g in groups}
    sim.end()
    return data


def plot(data, path):
    fig, (ax_raster, ax_v) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for g, (label, block) in enumerate(data.items()):
        trains = block.segments[0].spiketrains
        for k, train in enumerate(trains):
            ax_raster.plot(train.magnitude, np.full(len(train), g * GROUP_SIZE + k), ",k")
    ax_raster.set_ylabel("neuron (group × 100 + index)")
    ax_raster.set_title("Synfire chain on a virtual SpiNNaker (fixed point, 1 ms ticks)")
    for label in ("group0", f"group{N_GROUPS - 1}"):
        v = data[label].segments[0].filter(name="v")[0]
        ax_v.plot(v.times.rescale("ms"), v.magnitude[:, 0], label=f"{label}[0]")
    ax_v.set_xlabel("time (ms)")
    ax_v.set_ylabel("v (mV)")
    ax_v.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "output"))
    parser.add_argument("--toolchain", default="6")
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    data = build_and_run(args.toolchain)
    figure = os.path.join(args.output, "synfire.png")
    results = os.path.join(args.output, "synfire.pkl")
    plot(data, figure)
    with open(results, "wb") as f:
        pickle.dump(data, f)
    print("group  spikes  first spike (ms)")
    for label, block in data.items():
        trains = block.segments[0].spiketrains
        times = np.concatenate([t.magnitude for t in trains])
        first = f"{times.min():.0f}" if len(times) else "-"
        print(f"{label:7s}{len(times):6d}  {first}")
    print(f"figure: {figure}\nNeo blocks: {results}")


if __name__ == "__main__":
    main()
