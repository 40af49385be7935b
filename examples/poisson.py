"""Poisson sources on the virtual machine: the chip's KISS generator, three rate regimes.

Three SpikeSourcePoisson populations (slow 5 Hz, fast 50 Hz, and a source whose rate
steps from 10 to 100 Hz with SpikeSourcePoissonVariable) drive an IF_curr_exp population.
Writes a raster and a rate histogram (``poisson.png``) to the output folder.

    python examples/poisson.py [--output DIR] [--seed 1]
"""
import argparse
import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import pynn_spinn_virtual as sim  # noqa: E402

RUN_MS = 1000.0


def run(seed):
    sim.setup(timestep=1.0)
    sources = {
        "5 Hz": sim.Population(100, sim.SpikeSourcePoisson(rate=5.0), seed=seed, label="5 Hz"),
        "50 Hz": sim.Population(100, sim.SpikeSourcePoisson(rate=50.0), seed=seed + 1,
                                label="50 Hz"),
        "10 -> 100 Hz": sim.Population(
            100, sim.extra_models.SpikeSourcePoissonVariable(
                rates=[10.0, 100.0], starts=[0.0, 500.0], durations=[500.0, 500.0]),
            seed=seed + 2, label="10 -> 100 Hz"),
    }
    target = sim.Population(100, sim.IF_curr_exp(), label="target")
    for src in sources.values():
        src.record("spikes")
        sim.Projection(src, target, sim.FixedProbabilityConnector(0.1),
                       sim.StaticSynapse(weight=0.3, delay=1.0))
    target.record("spikes")
    sim.run(RUN_MS)
    data = {name: pop.get_data().segments[0].spiketrains for name, pop in sources.items()}
    data["target"] = target.get_data().segments[0].spiketrains
    sim.end()
    return data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "output"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    data = run(args.seed)
    fig, (raster, hist) = plt.subplots(2, 1, figsize=(9, 7))
    offset = 0
    for name, trains in data.items():
        for k, train in enumerate(trains):
            raster.plot(train.magnitude, np.full(len(train), offset + k), ",")
        raster.text(RUN_MS + 5, offset + 50, name, fontsize=8, va="center")
        rates = [len(t) / (RUN_MS / 1000.0) for t in trains]
        hist.hist(rates, bins=30, histtype="step", label=name)
        print(f"{name:14s} mean rate {np.mean(rates):6.2f} Hz")
        offset += len(trains)
    raster.set_ylabel("source")
    raster.set_xlabel("time (ms)")
    hist.set_xlabel("rate (Hz)")
    hist.set_ylabel("neurons")
    hist.legend()
    fig.tight_layout()
    path = os.path.join(args.output, "poisson.png")
    fig.savefig(path, dpi=100)
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
