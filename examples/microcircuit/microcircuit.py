"""The Potjans & Diesmann (2014) cortical microcircuit in plain PyNN, at any scale.

Eight populations (L2/3, L4, L5, L6, excitatory and inhibitory; 77,169 neurons at full
scale), connected with the published connection probabilities as fixed total numbers of
synapses (multapses allowed), normally distributed weights (87.8 pA, L4E -> L2/3E doubled,
inhibitory x -4) and delays (1.5 +/- 0.75 ms excitatory, 0.8 +/- 0.4 ms inhibitory), and
driven by Poisson background input (8 Hz x K_ext per neuron).  This is the model sPyNNaker
runs in real time on SpiNNaker (van Albada et al. 2018).

    python examples/microcircuit/microcircuit.py [--scale 0.1] [--time 1000] [--dt 0.1]
        [--simulator pynn_spinn_virtual] [--output DIR]

Writes the firing rate per population (a bar chart and rates.json) and a raster of a
sample of neurons to the output folder.
"""
import argparse
import json
import os
import time

import numpy as np

POPULATIONS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
FULL_SIZES = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
#: connection probabilities, rows = target, columns = source (Potjans & Diesmann 2014, Table 5)
CONN_PROBS = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443]])
#: external (background) inputs per neuron
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
BG_RATE = 8.0            # Hz per external input
W_MEAN = 0.0878          # nA (87.8 pA)
W_REL_SD = 0.1
G = -4.0                 # relative inhibitory weight
D_EXC, D_INH = 1.5, 0.8  # ms
D_REL_SD = 0.5
CELL = dict(cm=0.25, tau_m=10.0, tau_refrac=2.0, tau_syn_E=0.5, tau_syn_I=0.5,
            v_rest=-65.0, v_reset=-65.0, v_thresh=-50.0, i_offset=0.0)


def synapse_count(p, n_pre, n_post, scale_k=1.0):
    """Total synapses for connection probability p with multapses (Potjans & Diesmann)."""
    if p <= 0:
        return 0
    return int(round(np.log(1.0 - p) / np.log(1.0 - 1.0 / (n_pre * n_post)) * scale_k))


def build(sim, scale=1.0, dt=0.1, seed=12345, record_fraction=0.02):
    """Populations, background and recurrent projections; returns the populations."""
    sizes = [max(1, int(round(n * scale))) for n in FULL_SIZES]
    rng = sim.NumpyRNG(seed=seed)
    pops = {}
    for name, size in zip(POPULATIONS, sizes):
        pop = sim.Population(size, sim.IF_curr_exp(**CELL), label=name)
        pop.initialize(v=sim.RandomDistribution("normal", (-58.0, 10.0), rng=rng))
        pop[:max(1, int(size * record_fraction))].record("spikes")
        pops[name] = pop
    for name, size, k_ext in zip(POPULATIONS, sizes, K_EXT):
        background = sim.Population(size, sim.SpikeSourcePoisson(rate=BG_RATE * k_ext),
                                    label=f"{name}_background", seed=seed + len(pops))
        sim.Projection(background, pops[name], sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=W_MEAN, delay=dt), receptor_type="excitatory")
    for t, target in enumerate(POPULATIONS):
        for s, source in enumerate(POPULATIONS):
            n = synapse_count(CONN_PROBS[t, s], sizes[s] / scale, sizes[t] / scale) * scale
            n = int(round(n))
            if n == 0:
                continue
            excitatory = source.endswith("E")
            w = W_MEAN * (2.0 if (source, target) == ("L4E", "L23E") else 1.0)
            w = w if excitatory else G * W_MEAN
            d = D_EXC if excitatory else D_INH
            weight = sim.RandomDistribution("normal_clipped", (w, abs(w) * W_REL_SD, 0.0, np.inf)
                                            if excitatory else
                                            (w, abs(w) * W_REL_SD, -np.inf, 0.0), rng=rng)
            delay = sim.RandomDistribution("normal_clipped", (d, d * D_REL_SD, dt, np.inf),
                                           rng=rng)
            sim.Projection(pops[source], pops[target],
                           sim.FixedTotalNumberConnector(n, with_replacement=True, rng=rng),
                           sim.StaticSynapse(weight=weight, delay=delay),
                           receptor_type="excitatory" if excitatory else "inhibitory",
                           label=f"{source}->{target}")
    return pops


def recorded_spikes(pops):
    return {name: pop.get_data("spikes").segments[0].spiketrains for name, pop in pops.items()}


def rates(trains_by_population, t_ms):
    """Mean firing rate (Hz) of the recorded neurons of each population."""
    return {name: float(np.mean([len(st) for st in trains]) / (t_ms / 1000.0))
            for name, trains in trains_by_population.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--time", type=float, default=1000.0)
    parser.add_argument("--dt", type=float, default=0.1)
    parser.add_argument("--simulator", default="pynn_spinn_virtual")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "output"))
    args = parser.parse_args()
    import importlib
    sim = importlib.import_module(args.simulator if args.simulator == "pynn_spinn_virtual"
                                  else f"pyNN.{args.simulator}")
    os.makedirs(args.output, exist_ok=True)
    t0 = time.perf_counter()
    sim.setup(timestep=args.dt)
    pops = build(sim, args.scale, args.dt)
    t1 = time.perf_counter()
    sim.run(args.time)
    t2 = time.perf_counter()
    spikes = recorded_spikes(pops)
    result = rates(spikes, args.time)
    sim.end()
    print(f"build {t1 - t0:.1f} s, run {t2 - t1:.1f} s")
    for name, rate in result.items():
        print(f"{name:5s} {rate:6.2f} Hz")
    with open(os.path.join(args.output, "rates.json"), "w") as f:
        json.dump({"scale": args.scale, "dt": args.dt, "time_ms": args.time,
                   "build_s": t1 - t0, "run_s": t2 - t1, "rates_hz": result}, f, indent=1)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(range(len(result)), list(result.values()),
           color=["tab:red" if n.endswith("E") else "tab:blue" for n in result])
    ax.set_xticks(range(len(result)), list(result))
    ax.set_ylabel("rate (Hz)")
    ax.set_title(f"Cortical microcircuit, scale {args.scale}, {args.simulator}")
    fig.tight_layout()
    fig.savefig(os.path.join(args.output, "rates.png"), dpi=100)
    fig, ax = plt.subplots(figsize=(8, 6))
    row = 0
    for name in reversed(POPULATIONS):
        for train in spikes[name][:50]:
            ax.plot(train.magnitude, np.full(len(train), row), ",",
                    color="tab:red" if name.endswith("E") else "tab:blue")
            row += 1
        ax.text(args.time * 1.01, row - 25, name, fontsize=8)
    ax.set_xlabel("time (ms)")
    ax.set_yticks([])
    ax.set_title("Raster (50 recorded neurons per population)")
    fig.tight_layout()
    fig.savefig(os.path.join(args.output, "raster.png"), dpi=100)


if __name__ == "__main__":
    main()
