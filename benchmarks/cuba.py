"""CUBA benchmark (Vogels & Abbott 2005, current-based), written in plain PyNN.

4000 IF_curr_exp neurons (80 % excitatory, 20 % inhibitory), FixedProbability p = 0.02,
dt = 1 ms, 1 s simulated, all spikes recorded.  Activity is started by 20 Hz Poisson-like
input (drawn with numpy and played through SpikeSourceArrays, so every simulator gets the
same input) into the first 20 neurons for the first 50 ms.

Prints build time, run time, spike counts, synaptic events per second and peak memory, for
each simulator asked for (default: this backend only).

    python benchmarks/cuba.py [--simulators pynn_spinn_virtual nest] [--n 4000] [--threads 1]
"""
import argparse
import importlib
import resource
import time

import numpy as np

N_DEFAULT = 4000
P_CONNECT = 0.02
SIM_MS = 1000.0
DT = 1.0


def cuba(sim, n, seed=1234, threads=1):
    """Build and run CUBA on `sim`; return timings and counts."""
    extra = {"n_threads": threads} if sim.__name__ == "pynn_spinn_virtual" else {}
    t0 = time.perf_counter()
    sim.setup(timestep=DT, min_delay=DT, **extra)
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
    stim_times = [np.sort(np.round(rng.uniform(0, 50, rng.poisson(1.0)) + 2)).tolist() or [2.0]
                  for _ in range(n_stim)]
    stim = sim.Population(n_stim, sim.SpikeSourceArray(spike_times=stim_times), label="stim")
    w_exc = 1e-3 * 0.27 * (0.0 - -60.0)      # 0.0162 nA
    w_inh = 1e-3 * 4.5 * (-80.0 - -60.0)     # -0.09 nA
    prng = sim.NumpyRNG(seed=seed)
    conn = sim.FixedProbabilityConnector(P_CONNECT, rng=prng)
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
    t1 = time.perf_counter()
    sim.run(SIM_MS)
    t2 = time.perf_counter()
    counts = {pop.label: np.array([len(t) for t in pop.get_data("spikes").segments[0].spiketrains])
              for pop in (exc, inh)}
    t3 = time.perf_counter()
    # synaptic events = spikes x out-degree, from the connections (not timed)
    n_synapses = 0
    events = 0
    for p in projections:
        connected = ~np.isnan(p.get("weight", format="array"))
        n_synapses += int(connected.sum())
        events += int((counts[p.pre.label] * connected.sum(axis=1)).sum())
    spikes = sum(int(c.sum()) for c in counts.values())
    sim.end()
    return dict(build=t1 - t0, run=t2 - t1, extract=t3 - t2, spikes=int(spikes),
                rate=spikes / n / (SIM_MS / 1000.0), synapses=n_synapses, events=events,
                peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)


def load(name):
    return importlib.import_module(name if name == "pynn_spinn_virtual" else f"pyNN.{name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulators", nargs="+", default=["pynn_spinn_virtual"])
    parser.add_argument("--n", type=int, default=N_DEFAULT)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    print(f"CUBA: {args.n} neurons, p = {P_CONNECT}, dt = {DT} ms, {SIM_MS:.0f} ms simulated")
    print(f"{'simulator':20s} {'build s':>8s} {'run s':>8s} {'extract s':>9s} {'synapses':>9s} "
          f"{'spikes':>7s} {'rate Hz':>7s} {'Mevents/s':>9s} {'peak MB':>8s}")
    for name in args.simulators:
        r = cuba(load(name), args.n, threads=args.threads)
        print(f"{name:20s} {r['build']:8.2f} {r['run']:8.3f} {r['extract']:9.3f} "
              f"{r['synapses']:9d} {r['spikes']:7d} {r['rate']:7.2f} "
              f"{r['events'] / max(r['run'], 1e-9) / 1e6:9.1f} {r['peak_mb']:8.0f}")


if __name__ == "__main__":
    main()
