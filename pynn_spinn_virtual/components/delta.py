"""Delta synapse and delta input type (C: synapse_delta.h, input_delta.h), profile 6.

The synaptic state is the sum of the weights arriving in this tick and is cleared after the
neuron update; the input type turns it into a one-tick current of state x (1000 / dt_us)
(= 1/dt in ms^-1), applied after recording (docs/toolchain6.md, O3).
"""
from .base import Component, Field, S1615
from .. import fixedpoint


class DeltaSynapse(Component):
    kind = "synapse"
    c_name = "delta"
    receptor_types = ("excitatory", "inhibitory")
    fields = (Field("isyn_exc", S1615, state=True), Field("isyn_inh", S1615, state=True))
    state_fields = {"isyn_exc": "isyn_exc", "isyn_inh": "isyn_inh"}

    def state_words(self, initial):
        return {name: fixedpoint.encode_s1615(initial[name]) for name in self.state_fields}


class DeltaInput(Component):
    kind = "input"
    c_name = "delta"
    fields = (Field("scale", S1615),)
    weight_scale = 1.0
    conductance_based = False

    def parameter_words(self, p, dt_ms, profile):
        return {"scale": profile.delta_input_scale(dt_ms)}
