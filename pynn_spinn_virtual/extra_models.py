"""``sim.extra_models``: the models sPyNNaker offers beyond PyNN's standard ones."""
from .standardmodels.cells import (  # noqa: F401
    IF_curr_dual_exp, IF_curr_exp_ca2_adaptive, IFCurrExpCa2Adaptive, IZK_cond_exp,
    Izhikevich_cond, SpikeSourcePoissonVariable)
from .standardmodels.synapses import SpikeNearestPairRule  # noqa: F401
