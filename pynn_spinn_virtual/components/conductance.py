"""Conductance input type (C: input_conductance.h).

Weights are stored x1024 (the global weight scale), the conductance is state >> 10 (uS),
and the currents are g (E_rev - V).  Initial synaptic states are written unscaled, so
``initialize(isyn_exc=x)`` means x/1024 uS on the machine (6.0 behaviour, kept).
"""
from .base import Component, Field, S1615
from .. import fixedpoint


class ConductanceInput(Component):
    kind = "input"
    c_name = "conductance"
    fields = (Field("V_rev_E", S1615), Field("V_rev_I", S1615))
    weight_scale = 1024.0
    conductance_based = True

    def parameter_words(self, p, dt_ms, profile):
        return {"V_rev_E": fixedpoint.encode_s1615(p["e_rev_E"]),
                "V_rev_I": fixedpoint.encode_s1615(p["e_rev_I"])}
