"""Every SpiNNaker neuron model under the same input, on the virtual machine.

One neuron of each model receives the same excitatory and inhibitory spike trains (and the
same DC current step); the membrane voltages are plotted one panel per model.  Writes
``neuron_models.png`` to the output folder.

    python examples/neuron_models.py [--output DIR] [--dt 1.0]
"""
import argparse
import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import pynn_spinn_virtual as sim  # noqa: E402

MODELS = [
    ("IF_curr_exp", lambda: sim.IF_curr_exp(), 1.0),
    ("IF_cond_exp", lambda: sim.IF_cond_exp(), 0.01),
    ("IF_curr_alpha", lambda: sim.IF_curr_alpha(tau_syn_E=2.0, tau_syn_I=2.0), 1.0),
    ("IF_curr_delta", lambda: sim.IF_curr_delta(), 4.0),
    ("Izhikevich", lambda: sim.Izhikevich(), 5.0),
    ("Izhikevich_cond", lambda: sim.extra_models.Izhikevich_cond(), 0.05),
    ("IFCurrExpCa2Adaptive", lambda: sim.extra_models.IFCurrExpCa2Adaptive(), 1.0),
    ("IF_curr_dual_exp", lambda: sim.extra_models.IF_curr_dual_exp(), 1.0),
]


def run(dt):
    sim.setup(timestep=dt)
    exc = sim.Population(1, sim.SpikeSourceArray(spike_times=[[10, 12, 14, 16, 60, 61, 62, 63, 64]]),
                         label="exc")
    inh = sim.Population(1, sim.SpikeSourceArray(spike_times=[[30, 31, 32]]), label="inh")
    step = sim.DCSource(amplitude=1.5, start=100.0, stop=150.0)
    populations = {}
    for name, make, weight in MODELS:
        pop = sim.Population(1, make(), label=name)
        sim.Projection(exc, pop, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=weight, delay=1.0), receptor_type="excitatory")
        sim.Projection(inh, pop, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=weight, delay=1.0), receptor_type="inhibitory")
        step.inject_into(pop)
        pop.record(["v", "spikes"])
        populations[name] = pop
    sim.run(200.0)
    data = {name: pop.get_data() for name, pop in populations.items()}
    sim.end()
    return data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "output"))
    parser.add_argument("--dt", type=float, default=1.0)
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    data = run(args.dt)
    fig, axes = plt.subplots(len(data), 1, figsize=(8, 2 * len(data)), sharex=True)
    for ax, (name, block) in zip(axes, data.items()):
        v = block.segments[0].filter(name="v")[0]
        n_spikes = len(block.segments[0].spiketrains[0])
        ax.plot(v.times.rescale("ms"), v.magnitude[:, 0], lw=1)
        ax.set_ylabel("v (mV)")
        ax.set_title(f"{name} ({n_spikes} spikes)", fontsize=9)
    axes[-1].set_xlabel("time (ms)")
    fig.suptitle(f"SpiNNaker neuron models, same input, dt = {args.dt} ms")
    fig.tight_layout()
    path = os.path.join(args.output, "neuron_models.png")
    fig.savefig(path, dpi=100)
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
