"""A population or projection of the end-to-end bit-exactness tests, built twice: in the
backend (``sim``) and in the pure-Python reference model (``ref``)."""


class Pop:
    def __init__(self, sim_pop, ref_pop, label):
        self.sim, self.ref, self.label, self.n = sim_pop, ref_pop, label, ref_pop.n


class Proj:
    def __init__(self, sim_proj, ref_proj, label):
        self.sim, self.ref, self.label = sim_proj, ref_proj, label
