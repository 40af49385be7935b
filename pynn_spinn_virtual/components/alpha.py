"""Alpha-shaped synaptic input (C: synapse_alpha.h), as sPyNNaker's IF_curr_alpha.

Per receptor the state is a linear term and an exponential term whose product is the input,
and q, the last positive input (never cleared).  The host writes dt/tau^2 (ms^-1) as s16.15
and exp(-dt/tau) as u0.32 (docs/toolchain6.md, O2).
"""
from .base import Component, Field, S1615, U032
from .. import fixedpoint


class AlphaSynapse(Component):
    kind = "synapse"
    c_name = "alpha"
    receptor_types = ("excitatory", "inhibitory")
    fields = tuple(
        field for p in ("exc", "inh")
        for field in (Field(f"{p}_lin", S1615, state=True), Field(f"{p}_exp", S1615, state=True),
                      Field(f"{p}_q", S1615, state=True), Field(f"{p}_dt_over_tau2", S1615),
                      Field(f"{p}_decay", U032)))
    positive = ("tau_syn_E", "tau_syn_I")
    #: sPyNNaker's names of the state: the input is response x exp_response
    state_fields = {"exc_response": "exc_lin", "exc_exp_response": "exc_exp",
                    "inh_response": "inh_lin", "inh_exp_response": "inh_exp"}

    def parameter_words(self, p, dt_ms, profile):
        return {
            "exc_dt_over_tau2": profile.alpha_dt_over_tau2(dt_ms, p["tau_syn_E"]),
            "exc_decay": profile.exp_decay(dt_ms, p["tau_syn_E"]),
            "inh_dt_over_tau2": profile.alpha_dt_over_tau2(dt_ms, p["tau_syn_I"]),
            "inh_decay": profile.exp_decay(dt_ms, p["tau_syn_I"]),
        }

    def state_words(self, initial):
        words = {field: fixedpoint.encode_s1615(initial[name])
                 for name, field in self.state_fields.items()}
        words["exc_q"] = 0
        words["inh_q"] = 0
        return words
