"""The classic STDP curve, learnt in fixed point on a virtual SpiNNaker (profile "6").

For every timing difference dt in -50..50 ms one pre-synaptic SpikeSourceArray neuron and one
IF_curr_exp neuron are paired 60 times; a second SpikeSourceArray drives the post neuron with a
strong static synapse (40 nA, tau_syn_E = 1 ms), so it fires exactly 1 ms after each drive spike.
The plastic synapse (STDPMechanism, SpikePairRule tau+/- = 20 ms, delay 1 ms, default
backprop_delay) sits on the INHIBITORY receptor: the rule does not care about the receptor, and
that receptor's ring-buffer shift is then set by w_max alone (shift 1: 1/16384 nA per weight
step) instead of by the 40 nA drive.  All pairs run in one simulation (one neuron pair per dt).

Timing.  With a dendritic delay d (the synapse delay, backprop_delay=True) the machine compares
the pre spike time t_pre with the post spike time shifted by d (kernel.md §6.3), so the timing
difference AT THE SYNAPSE is dt = t_post + d - t_pre; that is the x axis.  Pairings are 300 ms
apart, more than the 154-entry LUT of tau = 20 ms, so they do not interact, and a last unpaired
pre spike flushes the deferred update of the 60th pairing (weights change only at pre spikes).
dt = 0 counts as depression on the machine (the post spike is both in the window and the
"previous" post spike, LUT-(0) = 1).

The analytic float rule the machine approximates, for N pairings (sPyNNaker 5.x/6.x
semantics: additive A+/- are relative to w_max, clamping to [w_min, w_max]):
  additive:        dw = N A+ w_max exp(-dt/tau+)               (dt > 0)
                   dw = -N A- w_max exp(dt/tau-)               (dt <= 0)
  multiplicative:  w_N = w_max - (w_max - w0) (1 - A+ exp(-dt/tau+))^N        (dt > 0)
                   w_N = w_min + (w0 - w_min) (1 - A- exp(dt/tau-))^N         (dt <= 0)
On the machine every pairing is one update with an 11-bit LUT value (floor), an integer
a2+/- = round(A+/- w_max 2^14) (multiplicative: round(A+/- 2^14)) and floored products, so each
pairing differs from the float rule by less than 3 weight steps: |dw - analytic| <= N * 3 / 2^14
nA (the tolerance tests/test_bit_exact_stdp.py checks).

    python examples/stdp_curve.py [--output DIR] [--pairings 60]
"""
import argparse
import math
import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import pynn_spinn_virtual as sim  # noqa: E402

DELTAS = list(range(-50, 51))
N_PAIRINGS = 60
PERIOD = 300.0           # ms between pairings (> LUT length of tau 20: 154 ms)
FIRST = 100.0            # ms, first post spike
DELAY = 1.0              # ms, plastic synapse delay (= dendritic delay)
DRIVE_WEIGHT = 40.0
PARAMS = dict(tau_plus=20.0, tau_minus=20.0, A_plus=0.005, A_minus=0.006, w_min=0.0, w_max=1.0,
              w0=0.5)
WEIGHT_STEP = 1.0 / 16384     # nA: the inhibitory receptor's shift is 1 (w_max = 1.0)
TOLERANCE_STEPS_PER_PAIRING = 3


def spike_times(deltas, n_pairings=N_PAIRINGS, period=PERIOD):
    """(pre times, drive times) per pair: the post fires at FIRST + k*period, the pre spike is
    at t_post + DELAY - dt, plus one unpaired pre spike at the end."""
    posts = [FIRST + k * period for k in range(n_pairings)]
    pre = [[p + DELAY - dt for p in posts] + [FIRST + n_pairings * period] for dt in deltas]
    drive = [[p - 1.0 for p in posts] for _ in deltas]
    return pre, drive


def run_curve(deltas=DELTAS, weight_dependence="additive", n_pairings=N_PAIRINGS,
              period=PERIOD, params=PARAMS):
    """The machine's weight change (nA) after ``n_pairings`` pairings, for every dt; also the
    post spike times (ms) of every pair (to check that the drive controlled them)."""
    p = dict(params)
    n = len(deltas)
    pre_times, drive_times = spike_times(deltas, n_pairings, period)
    sim.setup(timestep=1.0)
    try:
        pre = sim.Population(n, sim.SpikeSourceArray(spike_times=pre_times), label="pre")
        drive = sim.Population(n, sim.SpikeSourceArray(spike_times=drive_times), label="drive")
        post = sim.Population(n, sim.IF_curr_exp(tau_syn_E=1.0, tau_refrac=5.0), label="post")
        post.record("spikes")
        sim.Projection(drive, post, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=DRIVE_WEIGHT, delay=1.0),
                       receptor_type="excitatory")
        wd = (sim.AdditiveWeightDependence if weight_dependence == "additive"
              else sim.MultiplicativeWeightDependence)(w_min=p["w_min"], w_max=p["w_max"])
        stdp = sim.STDPMechanism(
            timing_dependence=sim.SpikePairRule(tau_plus=p["tau_plus"], tau_minus=p["tau_minus"],
                                                A_plus=p["A_plus"], A_minus=p["A_minus"]),
            weight_dependence=wd, weight=p["w0"], delay=DELAY)
        proj = sim.Projection(pre, post, sim.OneToOneConnector(), synapse_type=stdp,
                              receptor_type="inhibitory")
        sim.run(FIRST + n_pairings * period + 10.0)
        weights = {int(i): float(w) for i, j, w in proj.get("weight", format="list")}
        trains = post.get_data("spikes").segments[0].spiketrains
        post_times = [np.asarray(t.rescale("ms").magnitude).tolist() for t in trains]
    finally:
        sim.end()
    dw = np.array([weights[k] - p["w0"] for k in range(n)])
    return dw, post_times


def analytic(deltas, weight_dependence="additive", n_pairings=N_PAIRINGS, params=PARAMS):
    """The float rule (6.x semantics) for the same protocol (weights in nA)."""
    p = params
    out = []
    for dt in deltas:
        if weight_dependence == "additive":
            if dt > 0:
                dw = n_pairings * p["A_plus"] * p["w_max"] * math.exp(-dt / p["tau_plus"])
            else:
                dw = -n_pairings * p["A_minus"] * p["w_max"] * math.exp(dt / p["tau_minus"])
            w = min(p["w_max"], max(p["w_min"], p["w0"] + dw))
        else:
            if dt > 0:
                f = 1.0 - p["A_plus"] * math.exp(-dt / p["tau_plus"])
                w = p["w_max"] - (p["w_max"] - p["w0"]) * f ** n_pairings
            else:
                f = 1.0 - p["A_minus"] * math.exp(dt / p["tau_minus"])
                w = p["w_min"] + (p["w0"] - p["w_min"]) * f ** n_pairings
        out.append(w - p["w0"])
    return np.array(out)


def tolerance(n_pairings=N_PAIRINGS):
    return n_pairings * TOLERANCE_STEPS_PER_PAIRING * WEIGHT_STEP


def plot(deltas, curves, path, n_pairings=N_PAIRINGS):
    fig, axes = plt.subplots(1, len(curves), figsize=(6 * len(curves), 4.5), squeeze=False)
    for ax, (name, (measured, expected)) in zip(axes[0], curves.items()):
        for k, fine in enumerate((np.linspace(min(deltas), 0, 501),       # dt <= 0: depression
                                  np.linspace(1e-9, max(deltas), 501))):  # dt > 0: potentiation
            ax.plot(fine, analytic(fine, name, n_pairings), "-", color="0.6",
                    label="analytic float rule (6.x)" if k == 0 else None)
        ax.plot(deltas, measured, "o", ms=3.5, color="C0" if name == "additive" else "C1",
                label="virtual SpiNNaker (fixed point)")
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        ax.set_xlabel("Δt = t_post + delay − t_pre at the synapse (ms)")
        ax.set_ylabel(f"weight change after {n_pairings} pairings (nA)")
        worst = np.max(np.abs(measured - expected))
        ax.set_title(f"{name} weight dependence (max |diff| {worst:.4f} nA)")
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle("STDP curve, SpikePairRule τ± = 20 ms, A+ = 0.005, A− = 0.006, w_max = 1 nA")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "output"))
    parser.add_argument("--pairings", type=int, default=N_PAIRINGS)
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    curves = {}
    for name in ("additive", "multiplicative"):
        measured, _ = run_curve(DELTAS, name, args.pairings)
        curves[name] = (measured, analytic(DELTAS, name, args.pairings))
    figure = os.path.join(args.output, "stdp_curve.png")
    plot(DELTAS, curves, figure, args.pairings)
    print("   dt   additive (nA)  analytic   multiplicative  analytic")
    for k, dt in enumerate(DELTAS):
        if dt % 10 == 0 or abs(dt) <= 2:
            a, ea = curves["additive"][0][k], curves["additive"][1][k]
            m, em = curves["multiplicative"][0][k], curves["multiplicative"][1][k]
            print(f"{dt:5d}   {a:+.5f}     {ea:+.5f}   {m:+.5f}        {em:+.5f}")
    for name, (measured, expected) in curves.items():
        print(f"{name}: max |machine - analytic| = {np.max(np.abs(measured - expected)):.5f} nA "
              f"(tolerance {tolerance(args.pairings):.5f})")
    print(f"figure: {figure}")


if __name__ == "__main__":
    main()
