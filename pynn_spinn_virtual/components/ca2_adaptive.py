"""Calcium-activated adaptation current (C: additional_ca2_adaptive.h).

Each tick I_Ca2 decays by exp(-dt/tau_ca2) (s16.15, not u0.32, as 6.0 writes it), the
neuron receives -I_Ca2, and every spike adds i_alpha (docs/toolchain6.md, O5).
"""
from .base import Component, Field, S1615
from .. import fixedpoint


class Ca2AdaptiveInput(Component):
    kind = "additional"
    c_name = "ca2_adaptive"
    fields = (Field("exp_TauCa", S1615), Field("I_Ca2", S1615, state=True), Field("I_alpha", S1615))
    positive = ("tau_ca2",)
    state_fields = {"i_ca2": "I_Ca2"}

    def parameter_words(self, p, dt_ms, profile):
        return {"exp_TauCa": profile.lif_exp_tc(dt_ms, p["tau_ca2"]),
                "I_alpha": fixedpoint.encode_s1615(p["i_alpha"])}

    def state_words(self, initial):
        return {"I_Ca2": fixedpoint.encode_s1615(initial["i_ca2"])}
