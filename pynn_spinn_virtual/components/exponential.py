"""Exponentially decaying synaptic inputs (C: synapse_exponential.h, synapse_dual_exponential.h)."""
from .base import Component, Field, S1615, U032
from .. import fixedpoint


class ExponentialSynapse(Component):
    """isyn += input * init on arrival; isyn *= decay after each neuron update.

    One (decay, init, isyn) triple per receptor, in receptor order; the dual-exponential
    synapse is the same component with a second excitatory receptor.
    """

    kind = "synapse"
    c_name = "exponential"
    #: (field prefix, receptor type, time-constant parameter, state variable)
    receptors = (("exc", "excitatory", "tau_syn_E", "isyn_exc"),
                 ("inh", "inhibitory", "tau_syn_I", "isyn_inh"))

    def __init__(self):
        self.receptor_types = tuple(r[1] for r in self.receptors)
        self.fields = tuple(
            field for prefix, _, _, state in self.receptors
            for field in (Field(f"{prefix}_decay", U032), Field(f"{prefix}_init", U032),
                          Field(state, S1615, state=True)))
        self.positive = tuple(r[2] for r in self.receptors)
        self.state_fields = {r[3]: r[3] for r in self.receptors}

    def parameter_words(self, p, dt_ms, profile):
        words = {}
        for prefix, _, tau, _ in self.receptors:
            words[f"{prefix}_decay"] = profile.exp_decay(dt_ms, p[tau])
            words[f"{prefix}_init"] = profile.exp_init(dt_ms, p[tau])
        return words

    def state_words(self, initial):
        return {state: fixedpoint.encode_s1615(initial[state]) for _, _, _, state in self.receptors}


class DualExponentialSynapse(ExponentialSynapse):
    """Two excitatory receptors and one inhibitory (IF_curr_dual_exp); gsyn_exc is their sum."""

    c_name = "dual_exponential"
    receptors = (("exc", "excitatory", "tau_syn_E", "isyn_exc"),
                 ("exc2", "excitatory2", "tau_syn_E2", "isyn_exc2"),
                 ("inh", "inhibitory", "tau_syn_I", "isyn_inh"))
