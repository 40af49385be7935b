"""A typical EBRAINS/HBP portal job for the SpiNNaker machine, unchanged.

The portal runs ``python run.py {system}`` with ``{system}`` = ``spiNNaker``; the script
picks its backend from the command line with ``pyNN.utility.get_simulator()``.  On this
computer:

    pynn-spinn-virtual run examples/portal/run.py spiNNaker     # as the portal runs it
    pynn-spinn-virtual check examples/portal/run.py spiNNaker   # will it fit the machine?

(``python run.py nest`` would run it on NEST.)  A Poisson source drives an IF_curr_exp
population through 20 ms and 30 ms delays: longer than the 16 ring-buffer slots of a
core, so the mapping adds delay-extension cores.  The results are files in the working
folder (the portal returns only those): ``results/spikes.pkl`` (Neo, with write_data), a
raster saved with ``plt.savefig`` and a membrane-potential plot shown with ``plt.show()``
(saved as ``figure_1.png``: the portal has no display).
"""
import os

import matplotlib.pyplot as plt
from pyNN.random import RandomDistribution
from pyNN.utility import get_simulator

sim, options = get_simulator(("--duration", "simulated time in ms",
                              {"type": float, "default": 500.0}))

sim.setup(timestep=1.0)

stimulus = sim.Population(50, sim.SpikeSourcePoisson(rate=20.0), label="stimulus", seed=1)
excitatory = sim.Population(100, sim.IF_curr_exp(tau_m=20.0, v_thresh=-55.0),
                            label="excitatory")
excitatory.initialize(v=RandomDistribution("uniform", (-65.0, -55.0)))

sim.Projection(stimulus, excitatory, sim.FixedProbabilityConnector(0.2),
               sim.StaticSynapse(weight=1.0, delay=20.0), receptor_type="excitatory",
               label="stimulus->excitatory")
sim.Projection(excitatory, excitatory, sim.FixedProbabilityConnector(0.05),
               sim.StaticSynapse(weight=0.5, delay=30.0), receptor_type="inhibitory",
               label="recurrent inhibition")

stimulus.record("spikes")
excitatory.record(["spikes", "v"])

sim.run(options.duration)

os.makedirs("results", exist_ok=True)
excitatory.write_data("results/spikes.pkl")
block = excitatory.get_data()
segment = block.segments[0]

figure, axis = plt.subplots(figsize=(8, 4))
for index, train in enumerate(segment.spiketrains):
    axis.plot(train.magnitude, [index] * len(train), "k.", markersize=2)
axis.set_xlabel("time (ms)")
axis.set_ylabel("neuron")
axis.set_title(f"excitatory spikes ({sim.name()})")
figure.savefig("raster.png")
plt.close(figure)

plt.figure(figsize=(8, 4))
v = segment.filter(name="v")[0]
plt.plot(v.times, v[:, :5])
plt.xlabel("time (ms)")
plt.ylabel("membrane potential (mV)")
plt.show()

print(f"{sum(len(t) for t in segment.spiketrains)} spikes from {excitatory.size} neurons")
sim.end()
