"""Exponentially decaying synaptic input, one per receptor (C: synapse_exponential.h)."""
from .base import Component, Field, S1615, U032
from .. import fixedpoint


class ExponentialSynapse(Component):
    """isyn += input * init on arrival; isyn *= decay after each neuron update."""

    kind = "synapse"
    c_name = "exponential"
    receptor_types = ("excitatory", "inhibitory")
    fields = (
        Field("exc_decay", U032),
        Field("exc_init", U032),
        Field("isyn_exc", S1615, state=True),
        Field("inh_decay", U032),
        Field("inh_init", U032),
        Field("isyn_inh", S1615, state=True),
    )
    positive = ("tau_syn_E", "tau_syn_I")
    state_fields = {"isyn_exc": "isyn_exc", "isyn_inh": "isyn_inh"}

    def parameter_words(self, p, dt_ms, profile):
        return {
            "exc_decay": profile.exp_decay(dt_ms, p["tau_syn_E"]),
            "exc_init": profile.exp_init(dt_ms, p["tau_syn_E"]),
            "inh_decay": profile.exp_decay(dt_ms, p["tau_syn_I"]),
            "inh_init": profile.exp_init(dt_ms, p["tau_syn_I"]),
        }

    def state_words(self, initial):
        return {"isyn_exc": fixedpoint.encode_s1615(initial["isyn_exc"]),
                "isyn_inh": fixedpoint.encode_s1615(initial["isyn_inh"])}
